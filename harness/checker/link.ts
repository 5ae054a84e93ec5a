import { faultSpans } from '../history/fault-spans.js';
import type { Op } from '../history/ops.js';
import type { LinkProblem } from './findings.js';
import { elapsed } from './format.js';

/** A span of time in ms, `[start, end)`; `end` is Infinity for a fault that never ended. */
export interface Interval {
  start: number;
  end: number;
}

/** One outage as recorded: a `fault` start/end pair with `down: true`, or a reboot. */
export interface Outage extends Interval {
  fault: string;
  /** `reboot`: down from the reboot until the agent's next `mqtt connected`. */
  kind: 'outage' | 'reboot';
}

/**
 * A board's link over the run: up from t = 0, down during outages.
 * `down` merges every outage (and gaps shorter than ε between them) into disjoint spans.
 */
export interface Link {
  outages: readonly Outage[];
  down: readonly Interval[];
  /** ε: an instant less than this before an outage starts counts as inside it. */
  tolerance: number;
  /** What the history leaves unclear (a start without an end, an end without a start). */
  problems: LinkProblem[];
}

/** Builds the link from one board's ops, sorted by time, on the shared fault pairing. */
export function linkOf(ops: readonly Op[], tolerance: number): Link {
  const { spans, orphanEnds } = faultSpans(ops);
  const problems: LinkProblem[] = orphanEnds.map((op) => ({
    kind: 'fault-without-start',
    level: 'error',
    fault: op.fault,
    t: op.t,
  }));
  const outages: Outage[] = [];
  for (const s of spans) {
    if (s.reboot) {
      outages.push({
        fault: s.fault,
        kind: 'reboot',
        start: s.start,
        end: s.end ?? Number.POSITIVE_INFINITY,
      });
      continue;
    }
    if (!s.startOp.down) continue;
    if (s.end === undefined)
      problems.push({ kind: 'fault-never-ended', level: 'error', fault: s.fault, start: s.start });
    outages.push({ fault: s.fault, kind: 'outage', start: s.start, end: s.end ?? Number.POSITIVE_INFINITY });
  }
  outages.sort((a, b) => a.start - b.start || a.end - b.end);
  return { outages, down: merge(outages, tolerance), tolerance, problems };
}

/** Spans closer than ε hold no up instant (each start's ε zone covers the gap), so they merge. */
function merge(spans: readonly Interval[], eps: number): Interval[] {
  const out: Interval[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && (s.start <= last.end || s.start < last.end + eps)) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

function inside(x: number, d: Interval, eps: number): boolean {
  return (x >= d.start || x > d.start - eps) && x < d.end;
}

/** Down at x, counting an instant less than ε before an outage as inside it. Before t = 0 there is no link. */
export function isDownAt(link: Link, x: number): boolean {
  return x < 0 || link.down.some((d) => inside(x, d, link.tolerance));
}

/** Start of the up period that holds x (0 or the end of the last outage), or undefined when down at x. */
export function upSince(link: Link, x: number): number | undefined {
  if (isDownAt(link, x)) return undefined;
  let since = 0;
  for (const d of link.down) if (d.end <= x) since = Math.max(since, d.end);
  return since;
}

/** Settled at x: up without a break for at least `settle` (up time counts from t = 0). */
export function isSettledAt(link: Link, x: number, settle: number): boolean {
  const since = upSince(link, x);
  return since !== undefined && elapsed(since, x) >= settle;
}

/** The first settled instant in [from, to], if any. */
export function firstSettledIn(link: Link, from: number, to: number, settle: number): number | undefined {
  // Settled stretches begin at `from`, at `settle`, or `settle` after an outage ends.
  const candidates = [from, settle, ...link.down.map((d) => d.end + settle)]
    .filter((x) => x >= from && x <= to)
    .sort((a, b) => a - b);
  return candidates.find((x) => isSettledAt(link, x, settle));
}

/** Names of the outages overlapping [from, to] (ε before each start included). */
export function outagesDuring(link: Link, from: number, to: number): string[] {
  const names = link.outages
    .filter((o) => o.end > from && (to >= o.start || to > o.start - link.tolerance))
    .map((o) => o.fault);
  return [...new Set(names)];
}
