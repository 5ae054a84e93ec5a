import { duration } from '../../spec/schema-parts.js';
import type { CheckSpec } from '../../spec/types.js';
import type { BoardView } from '../board-view.js';
import type { CheckFinding } from '../findings.js';
import { elapsed } from '../format.js';
import { defineCheck, outcome } from './check.js';
import { type NetworkDown, networkDowns } from './outages.js';

export interface ReconnectsWithinSpec extends CheckSpec {
  check: 'reconnects-within';
  /** ms after each outage's end. */
  within: number;
}

/**
 * `reconnects-within: D`: after each outage the agent reports `mqtt connected` within D of its
 * end. A connection that survived the outage (no disconnect seen by the agent or the broker)
 * needs no reconnect. A scheduled reboot must be followed by a reconnect at all.
 */
export const reconnectsWithin = defineCheck<ReconnectsWithinSpec>({
  name: 'reconnects-within',
  value: {
    schema: duration('After each outage the board reconnects within this long.'),
    example: '10s',
    parse: (value, ms) => ({ check: 'reconnects-within', within: ms(value) }),
  },
  judge(spec, view) {
    const d = spec.within;
    const mqtt = view.ops.filter((o) => o.kind === 'mqtt');
    const connected = mqtt.filter((o) => o.state === 'connected').map((o) => o.t);
    const breaks = mqtt.filter((o) => o.state !== 'connected').map((o) => o.t);
    const failures: CheckFinding[] = [];
    const errors: CheckFinding[] = [];
    const info: CheckFinding[] = [];
    let slowest: { after: number; down: NetworkDown } | undefined;
    const downs = networkDowns(view.link);
    for (const down of downs) {
      const faults = [...down.faults];
      if (!Number.isFinite(down.end)) {
        errors.push({ kind: 'outage-unended', level: 'error', faults, start: down.start });
        continue;
      }
      // The connection that holds at the outage's end: after the last break the agent reported in it.
      const lastBreak = Math.max(down.start, ...breaks.filter((t) => t >= down.start && t <= down.end));
      const back = connected.find((t) => t > lastBreak);
      if (back !== undefined && elapsed(down.end, back) <= d) {
        const after = Math.max(0, back - down.end);
        if (!slowest || after > slowest.after) slowest = { after, down };
      } else if (survived(view, down, d)) {
        info.push({ kind: 'survived', level: 'info', faults, start: down.start, end: down.end });
      } else if (back !== undefined) {
        failures.push({ kind: 'reconnected-late', level: 'fail', faults, end: down.end, back, within: d });
      } else {
        failures.push({ kind: 'never-reconnected', level: 'fail', faults, end: down.end });
      }
    }
    for (const r of view.link.outages) {
      if (r.kind === 'reboot' && !Number.isFinite(r.end))
        failures.push({ kind: 'reboot-never-reconnected', level: 'fail', start: r.start });
    }
    if (slowest) {
      info.push({
        kind: 'slowest-reconnect',
        level: 'info',
        faults: [...slowest.down.faults],
        end: slowest.down.end,
        after: slowest.after,
      });
    }
    if (!downs.length) info.push({ kind: 'no-outage', level: 'info' });
    return outcome([...failures, ...errors, ...info]);
  },
});

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
