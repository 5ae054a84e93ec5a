import type { CheckSpec } from '../../spec/types.js';
import { firstWhere } from '../search.js';
import { defineCheck, outcome } from './check.js';
import { type NetworkDown, networkDowns } from './outages.js';

const MINUTE = 60_000;

export interface ReconnectBudgetSpec extends CheckSpec {
  check: 'reconnect-budget';
  perMinute: number;
}

/**
 * `reconnect-budget: N/min`: while the network is down, at most N connection attempts (agent
 * `mqtt connecting`) in any window of one minute. Reboots are not outages here.
 */
export const reconnectBudget = defineCheck<ReconnectBudgetSpec>({
  name: 'reconnect-budget',
  value: {
    schema: {
      type: 'string',
      pattern: '^[0-9]+/min$',
      'x-expect': 'a rate such as "6/min"',
      description: 'At most N connection attempts a minute while the network is down.',
    },
    example: '6/min',
    parse: (value) => ({ check: 'reconnect-budget', perMinute: Number.parseInt(String(value), 10) }),
  },
  restsOnFaults: true,
  judge(spec, view) {
    const downs = networkDowns(view.link);
    const attempts = view.ops
      .filter((o) => o.kind === 'mqtt' && o.state === 'connecting')
      .map((o) => o.t)
      .filter((t) => inAnyDown(downs, t));
    const worst = busiestMinute(attempts);
    const perMinute = spec.perMinute;
    if (!downs.length) return outcome([{ kind: 'no-outage', level: 'info' }]);
    if (worst.count > perMinute) {
      return outcome([
        {
          kind: 'budget-exceeded',
          level: 'fail',
          attempts: worst.count,
          from: worst.from,
          to: worst.to,
          perMinute,
        },
      ]);
    }
    return outcome([{ kind: 'budget-kept', level: 'info', attempts: worst.count, perMinute }]);
  },
});

/** Network downs are disjoint and in order: only the last one begun by t can hold it. */
function inAnyDown(downs: readonly NetworkDown[], t: number): boolean {
  const d = downs[firstWhere(downs.length, (i) => !((downs[i] as NetworkDown).start <= t)) - 1];
  return d !== undefined && t >= d.start && t < d.end;
}

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
