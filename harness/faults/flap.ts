import { sleepUntil } from '../spec/clock.js';
import { formatDuration } from '../spec/duration.js';
import { duration } from '../spec/schema-parts.js';
import { type BrokerOutageMode, brokerOutage } from './broker-outage.js';
import type { Applied } from './context.js';
import { defineFault, type FaultDefinition, ms } from './kind.js';
import { wifiOutage } from './wifi-outage.js';

export interface FlapParams {
  fault: 'wifi-outage' | 'broker-outage';
  down: number;
  up: number;
  for: number;
  mode: BrokerOutageMode;
}

function inner(p: FlapParams): { def: FaultDefinition<never>; params: never } {
  return p.fault === 'wifi-outage'
    ? { def: wifiOutage as FaultDefinition<never>, params: { for: p.down } as never }
    : { def: brokerOutage as FaultDefinition<never>, params: { for: p.down, mode: p.mode } as never };
}

/**
 * Repeated outages: `down`, then `up`, from the flap's start until `for` has passed, on a fixed
 * schedule (no drift). Each outage is recorded as its own start/end under the kind that flaps;
 * the flap itself is recorded as a `group`, not down. Heal stops the schedule and ends the
 * current outage.
 */
export const flap = defineFault<FlapParams>({
  kind: 'flap',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['fault', 'down', 'up', 'for'],
    description: 'Repeats an outage: down for `down`, up for `up`, until `for` has passed.',
    properties: {
      fault: { enum: ['wifi-outage', 'broker-outage'], description: 'The outage that repeats.' },
      down: duration('Length of each outage.'),
      up: duration('Time between outages.'),
      for: duration('Total length of the flapping.'),
      mode: {
        enum: ['refuse'],
        description: 'For broker-outage: only refuse can flap (a restart takes seconds).',
      },
    },
  },
  parse: (raw) => ({
    fault: raw.fault as FlapParams['fault'],
    down: ms(raw.down),
    up: ms(raw.up),
    for: ms(raw.for),
    mode: 'refuse',
  }),
  validate: (p) =>
    p.down >= p.for
      ? [
          {
            path: ['down'],
            message: `flap is down ${formatDuration(p.down)} within a flap of ${formatDuration(p.for)}: that is one outage`,
            hint: 'use a plain outage, or make `for` longer than `down` + `up`',
          },
        ]
      : [],
  span: (p) => p.for,
  effect: () => 'group',
  scope: () => 'board',
  resource: (p) => (p.fault === 'wifi-outage' ? 'network' : 'broker'),
  downPhases: (p) => {
    const phases: Array<[number, number]> = [];
    for (let t = 0; t < p.for; t += p.down + p.up) phases.push([t, Math.min(t + p.down, p.for)]);
    return phases;
  },
  problem(ctx, p) {
    const { def, params } = inner(p);
    return def.problem?.(ctx, params);
  },
  confirm: (p) => {
    const { def, params } = inner(p);
    const c = def.confirm(params);
    return { by: `each outage as ${p.fault}: ${c.by}`, withinMs: c.withinMs };
  },
  async apply(ctx, p) {
    const now = ctx.now ?? (() => performance.now());
    const { def, params } = inner(p);
    const effect = def.effect(params);
    const period = p.down + p.up;
    const count = Math.max(1, Math.ceil(p.for / period));
    const t0 = now();
    const stop = new AbortController();
    let outages = 0;
    /** Each outage's confirmation, recorded under the kind that flaps. */
    const confirming: Promise<void>[] = [];

    const down = async (k: number): Promise<{ applied: Applied; label: string }> => {
      const applied = await def.apply(ctx, params);
      outages += 1;
      const label = `flap ${k + 1}/${count}: ${applied.detail}`;
      ctx.record({
        t: now(),
        board: ctx.board.id,
        fault: p.fault,
        phase: 'start',
        down: true,
        effect,
        detail: label,
      });
      const seen = applied.confirmed;
      const started = now();
      if (ctx.confirm && seen)
        confirming.push(
          seen.then((s) =>
            ctx.confirm?.({ t: Math.max(now(), started), board: ctx.board.id, fault: p.fault, ...s }),
          ),
        );
      return { applied, label };
    };
    const up = async (current: { applied: Applied; label: string }) => {
      await current.applied.heal();
      ctx.record({
        t: now(),
        board: ctx.board.id,
        fault: p.fault,
        phase: 'end',
        down: true,
        effect,
        detail: current.label,
      });
    };

    // The first outage is made before apply returns, so a board that cannot flap fails here.
    const first = await down(0);
    const schedule = (async () => {
      let current: { applied: Applied; label: string } | undefined = first;
      try {
        for (let k = 0; k < count; k++) {
          if (k > 0) {
            await sleepUntil(t0 + k * period, { now }, stop.signal);
            if (stop.signal.aborted) break;
            current = await down(k);
          }
          await sleepUntil(Math.min(t0 + k * period + p.down, t0 + p.for), { now }, stop.signal);
          const ending = current;
          current = undefined;
          if (ending) await up(ending);
          if (stop.signal.aborted) break;
        }
      } finally {
        if (current) await up(current);
      }
    })();
    // Failures surface at heal; never as an unhandled rejection in between.
    schedule.catch(() => {});

    return {
      detail: `flap ${p.fault}: down ${p.down} ms, up ${p.up} ms, for ${p.for} ms`,
      async heal() {
        stop.abort();
        await schedule;
        await Promise.all(confirming);
        return `${outages} outage${outages === 1 ? '' : 's'}`;
      },
    };
  },
});
