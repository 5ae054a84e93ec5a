import type { FaultAction, FaultParams } from './context.js';
import { addToxics, toxics } from './toxics.js';

export const bandwidthAction: FaultAction<FaultParams<'bandwidth'>> = {
  async apply(ctx, p) {
    const heal = await addToxics(ctx.proxy, toxics('bandwidth', 'bandwidth', { rate: p.rate }));
    return { detail: `Toxiproxy bandwidth ${p.rate} KB/s, both directions`, heal };
  },
};
