import type { Link } from '../link.js';

/** A stretch with the network down (overlapping outages joined), reboots left out. */
export interface NetworkDown {
  start: number;
  end: number;
  faults: string[];
}

export function networkDowns(link: Link): NetworkDown[] {
  const out: NetworkDown[] = [];
  for (const o of link.outages) {
    if (o.kind !== 'outage') continue;
    const last = out[out.length - 1];
    if (last && o.start <= last.end) {
      last.end = Math.max(last.end, o.end);
      if (!last.faults.includes(o.fault)) last.faults.push(o.fault);
    } else out.push({ start: o.start, end: o.end, faults: [o.fault] });
  }
  return out;
}
