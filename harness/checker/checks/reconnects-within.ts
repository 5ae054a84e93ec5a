import { duration } from '../../spec/schema-parts.js';
import type { CheckSpec } from '../../spec/types.js';
import type { BoardView } from '../board-view.js';
import type { CheckFinding } from '../findings.js';
import { elapsed } from '../format.js';
import { firstAbove } from '../search.js';
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
  restsOnFaults: true,
  judge(spec, view) {
    const d = spec.within;
    const mqtt = mqttIndex(view);
    const { connected, breaks } = mqtt;
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
      const lastBreak = Math.max(down.start, lastIn(breaks, down.start, down.end));
      const back = connected[firstAbove(connected, lastBreak)];
      if (back !== undefined && elapsed(down.end, back) <= d) {
        const after = Math.max(0, back - down.end);
        if (!slowest || after > slowest.after) slowest = { after, down };
      } else if (survived(mqtt, down, d)) {
        info.push({ kind: 'survived', level: 'info', faults, start: down.start, end: down.end });
      } else if (back !== undefined) {
        failures.push({ kind: 'reconnected-late', level: 'fail', faults, end: down.end, back, within: d });
      } else {
        failures.push({ kind: 'never-reconnected', level: 'fail', faults, end: down.end });
      }
    }
    let reboots = 0;
    for (const r of view.link.outages) {
      if (r.kind !== 'reboot') continue;
      reboots += 1;
      if (Number.isFinite(r.end)) continue;
      // No boot after the reset: it may never have acted, so no reconnect was due (the board says why).
      if (bootedAfter(view, r.start))
        failures.push({ kind: 'reboot-never-reconnected', level: 'fail', start: r.start });
      else errors.push({ kind: 'reboot-no-boot', level: 'error', start: r.start });
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
    if (!downs.length && !reboots) info.push({ kind: 'no-outage', level: 'info' });
    return outcome([...failures, ...errors, ...info]);
  },
});

/** The agent's mqtt events and the broker's disconnects, as ascending times (ops are sorted). */
interface MqttIndex {
  connected: number[];
  breaks: number[];
  /** Every mqtt event at t >= 0, with its state. */
  times: number[];
  states: string[];
  disconnects: number[];
}

function mqttIndex(view: BoardView): MqttIndex {
  const index: MqttIndex = { connected: [], breaks: [], times: [], states: [], disconnects: [] };
  for (const op of view.ops) {
    if (op.kind === 'mqtt') {
      (op.state === 'connected' ? index.connected : index.breaks).push(op.t);
      if (op.t >= 0) {
        index.times.push(op.t);
        index.states.push(op.state);
      }
    }
    if (op.kind === 'client' && op.event === 'disconnect') index.disconnects.push(op.t);
  }
  return index;
}

/** The latest of ascending `times` in [from, to], or -Infinity. */
function lastIn(times: readonly number[], from: number, to: number): number {
  const t = times[firstAbove(times, to) - 1];
  return t !== undefined && t >= from ? t : Number.NEGATIVE_INFINITY;
}

/**
 * Nobody saw the connection break: the agent stayed `connected` and the broker saw no disconnect,
 * up to D after the outage's end (the agent's last state by then, from t = 0, is `connected`).
 */
function survived(mqtt: MqttIndex, down: NetworkDown, d: number): boolean {
  const until = down.end + d;
  if (lastIn(mqtt.breaks, down.start, until) !== Number.NEGATIVE_INFINITY) return false;
  if (lastIn(mqtt.disconnects, down.start, until) !== Number.NEGATIVE_INFINITY) return false;
  const last = firstAbove(mqtt.times, until) - 1;
  return last < 0 || mqtt.states[last] === 'connected';
}

/** Some boot op at or after `t`. */
function bootedAfter(view: BoardView, t: number): boolean {
  return view.ops.some((o) => o.kind === 'boot' && o.t >= t);
}
