import { sleepUntil } from '../spec/clock.js';
import { brokerOutageAction } from './broker-outage.apply.js';
import type { Applied, FaultAction, FaultParams } from './context.js';
import { wifiOutageAction } from './wifi-outage.apply.js';

type FlapParams = FaultParams<'flap'>;

function inner(p: FlapParams): { action: FaultAction<never>; params: never } {
  return p.fault === 'wifi-outage'
    ? { action: wifiOutageAction as FaultAction<never>, params: { for: p.down } as never }
    : { action: brokerOutageAction as FaultAction<never>, params: { for: p.down, mode: p.mode } as never };
}

/**
 * Repeated outages: `down`, then `up`, from the flap's start until `for` has passed, on a fixed
 * schedule (no drift). Each outage is recorded as its own start/end under the kind that flaps;
 * the flap itself is recorded as not down. Heal stops the schedule and ends the current outage.
 */
export const flapAction: FaultAction<FlapParams> = {
  problem(ctx, p) {
    const { action, params } = inner(p);
    return action.problem?.(ctx, params);
  },
  async apply(ctx, p) {
    const now = ctx.now ?? (() => performance.now());
    const { action, params } = inner(p);
    const period = p.down + p.up;
    const count = Math.max(1, Math.ceil(p.for / period));
    const t0 = now();
    const stop = new AbortController();
    let outages = 0;

    const down = async (k: number): Promise<{ applied: Applied; label: string }> => {
      const applied = await action.apply(ctx, params);
      outages += 1;
      const label = `flap ${k + 1}/${count}: ${applied.detail}`;
      ctx.record({
        t: now(),
        board: ctx.board.id,
        fault: p.fault,
        phase: 'start',
        down: true,
        detail: label,
      });
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
      down: false,
      async heal() {
        stop.abort();
        await schedule;
        return `${outages} outage${outages === 1 ? '' : 's'}`;
      },
    };
  },
};
