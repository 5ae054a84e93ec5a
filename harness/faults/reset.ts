import { sleep } from '../spec/clock.js';
import type { Seen } from './context.js';
import { defineFault } from './kind.js';

const DEFAULT_WAIT_MS = 10_000;

import { addToxics, toxics } from './toxics.js';

/**
 * A TCP reset now: Toxiproxy `reset_peer` (timeout 0) both ways. It fires on the next bytes
 * through the proxy, so it stays until the broker sees the board's client go (or `resetWaitMs`),
 * then heal removes it; kept longer, it would also reset the board's reconnects.
 */
export const reset = defineFault<Record<string, never>>({
  kind: 'reset',
  schema: {
    type: 'object',
    additionalProperties: false,
    description:
      'Resets the TCP connections through the proxy now (Toxiproxy reset_peer). Written `reset: {}`.',
    properties: {},
  },
  parse: () => ({}),
  span: () => 0,
  effect: () => 'instant',
  scope: () => 'board',
  resource: () => 'toxic:reset_peer',
  downPhases: () => [],
  confirm: () => ({
    by: "the broker sees the board's client go (the reset fired on the next bytes)",
    withinMs: DEFAULT_WAIT_MS,
  }),
  async apply(ctx) {
    const now = ctx.now ?? (() => performance.now());
    const clientId = ctx.board.clientId;
    const waitMs = ctx.resetWaitMs ?? DEFAULT_WAIT_MS;
    const stop = new AbortController();
    let firedAt: number | undefined;
    // Watch before adding the toxic: it can fire at once.
    const unwatch = clientId
      ? ctx.broker.onRecord((r) => {
          if (r.kind === 'disconnect' && r.clientId === clientId && firedAt === undefined) {
            firedAt = r.t;
            stop.abort();
          }
        })
      : () => {};
    let remove: () => Promise<void>;
    try {
      remove = await addToxics(ctx.proxy, toxics('reset', 'reset_peer', { timeout: 0 }));
    } catch (err) {
      unwatch();
      throw err;
    }
    const added = now();
    let settle: (s: Seen) => void = () => {};
    const confirmed = new Promise<Seen>((r) => {
      settle = r;
    });
    return {
      detail: 'Toxiproxy reset_peer, both directions (fires on the next bytes)',
      confirmed,
      async heal() {
        if (firedAt === undefined) await sleep(Math.max(0, added + waitMs - now()), stop.signal);
        unwatch();
        const said =
          firedAt !== undefined
            ? `fired: the broker saw ${clientId} go ${Math.round(firedAt - added)} ms after`
            : clientId
              ? `not seen to fire within ${waitMs} ms (no bytes through the proxy?)`
              : `held ${waitMs} ms (the board's client id is unknown, so firing cannot be seen)`;
        settle({ confirmed: firedAt !== undefined, seen: said });
        await remove();
        return said;
      },
    };
  },
});
