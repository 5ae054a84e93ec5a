import { at } from '../format.js';
import { type HealthCheck, outcome } from './check.js';
import { networkDowns } from './outages.js';

const MINUTE = 60_000;

/**
 * `reconnect-budget: N/min`: while the network is down, at most N connection attempts (agent
 * `mqtt connecting`) in any window of one minute. Reboots are not outages here.
 */
export const reconnectBudget: HealthCheck<'reconnect-budget'> = (spec, view) => {
  const downs = networkDowns(view.link);
  const attempts = view.ops
    .filter((o) => o.kind === 'mqtt' && o.state === 'connecting')
    .map((o) => o.t)
    .filter((t) => downs.some((d) => t >= d.start && t < d.end));
  const worst = busiestMinute(attempts);
  const budget = `budget ${spec.perMinute}/min`;
  if (!downs.length) return outcome([], ['no outage in this scenario']);
  if (worst.count > spec.perMinute) {
    return outcome([
      `${worst.count} connection attempts within one minute while the network was down (${at(worst.from)}-${at(worst.to)}), ${budget}`,
    ]);
  }
  return outcome(
    [],
    [`at most ${worst.count} connection attempts in a minute while the network was down, ${budget}`],
  );
};

/** The most attempts in any window [t, t + 1 min). */
export function busiestMinute(times: readonly number[]): { count: number; from: number; to: number } {
  const t = [...times].sort((a, b) => a - b);
  let best = { count: 0, from: 0, to: 0 };
  let lo = 0;
  t.forEach((x, hi) => {
    while (x - (t[lo] as number) >= MINUTE) lo++;
    if (hi - lo + 1 > best.count) best = { count: hi - lo + 1, from: t[lo] as number, to: x };
  });
  return best;
}
