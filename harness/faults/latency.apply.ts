import type { FaultAction, FaultParams } from './context.js';
import { addToxics, toxics } from './toxics.js';

/** Each direction waits `ms` ± `jitter`: a request/response round trip grows by about 2 × ms. */
export const latencyAction: FaultAction<FaultParams<'latency'>> = {
  async apply(ctx, p) {
    const heal = await addToxics(
      ctx.proxy,
      toxics('latency', 'latency', { latency: p.ms, jitter: p.jitter }),
    );
    return { detail: `Toxiproxy latency ${p.ms} ms ± ${p.jitter} ms, both directions`, heal };
  },
};
