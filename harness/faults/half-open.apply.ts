import type { FaultAction, FaultParams } from './context.js';
import { addToxics, toxics } from './toxics.js';

/**
 * The broker stops hearing the board while the board's writes still succeed: `timeout` 0 on the
 * upstream only. Healing removes it, which closes the connection.
 */
export const halfOpenAction: FaultAction<FaultParams<'half-open'>> = {
  async apply(ctx) {
    const heal = await addToxics(ctx.proxy, toxics('half-open', 'timeout', { timeout: 0 }, ['upstream']));
    return { detail: 'Toxiproxy timeout 0 ms, upstream only (board → broker dropped)', heal };
  },
};
