import type { BoardView } from '../board-view.js';
import { at, elapsed, over, span } from '../format.js';
import type { CheckOutcome, HealthCheck } from './check.js';
import { type NetworkDown, networkDowns } from './outages.js';

/**
 * `reconnects-within: D`: after each outage the agent reports `mqtt connected` within D of its
 * end. A connection that survived the outage (no disconnect seen by the agent or the broker)
 * needs no reconnect. A scheduled reboot must be followed by a reconnect at all.
 */
export const reconnectsWithin: HealthCheck<'reconnects-within'> = (spec, view) => {
  const d = spec.within;
  const mqtt = view.ops.filter((o) => o.kind === 'mqtt');
  const connected = mqtt.filter((o) => o.state === 'connected').map((o) => o.t);
  const breaks = mqtt.filter((o) => o.state !== 'connected').map((o) => o.t);
  const failures: string[] = [];
  const errors: string[] = [];
  const info: string[] = [];
  let slowest: { after: number; down: NetworkDown } | undefined;
  const downs = networkDowns(view.link);
  for (const down of downs) {
    const what = down.faults.join(' + ');
    if (!Number.isFinite(down.end)) {
      errors.push(`${what} started at ${at(down.start)} and never ended: the reconnect cannot be judged`);
      continue;
    }
    // The connection that holds at the outage's end: after the last break the agent reported in it.
    const lastBreak = Math.max(down.start, ...breaks.filter((t) => t >= down.start && t <= down.end));
    const back = connected.find((t) => t > lastBreak);
    if (back !== undefined && elapsed(down.end, back) <= d) {
      const after = Math.max(0, back - down.end);
      if (!slowest || after > slowest.after) slowest = { after, down };
    } else if (survived(view, down, d)) {
      info.push(`the connection survived the ${what} at ${at(down.start)}-${at(down.end)}`);
    } else if (back !== undefined) {
      failures.push(
        `reconnected at ${at(back)}, after the ${what} ended at ${at(down.end)}: ${over(back - down.end, d)}`,
      );
    } else {
      failures.push(`never reconnected after the ${what} ended at ${at(down.end)}`);
    }
  }
  for (const r of view.link.outages) {
    if (r.kind === 'reboot' && !Number.isFinite(r.end)) {
      failures.push(`never reconnected after the reboot at ${at(r.start)}`);
    }
  }
  if (slowest) {
    info.push(
      `slowest reconnect ${span(slowest.after)} after the ${slowest.down.faults.join(' + ')} ended at ${at(slowest.down.end)}`,
    );
  }
  if (!downs.length) info.push('no outage in this scenario');
  const verdict: CheckOutcome['verdict'] = failures.length ? 'fail' : errors.length ? 'error' : 'pass';
  return { verdict, reasons: [...failures, ...errors, ...info] };
};

/** Nobody saw the connection break: the agent stayed `connected` and the broker saw no disconnect. */
function survived(view: BoardView, down: NetworkDown, d: number): boolean {
  let state = 'connected';
  for (const op of view.ops) {
    if (op.t > down.end + d) break;
    if (op.kind === 'mqtt') {
      if (op.t >= down.start && op.state !== 'connected') return false;
      if (op.t >= 0) state = op.state;
    }
    if (op.kind === 'client' && op.event === 'disconnect' && op.t >= down.start) return false;
  }
  return state === 'connected';
}
