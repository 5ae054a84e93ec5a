import { duration } from '../spec/schema-parts.js';
import { seenNow, watchBoard } from './confirm.js';
import type { FaultContext, Seen } from './context.js';
import { defineFault, ms } from './kind.js';

/** How long the broker has to see the board's connection go once the proxy refuses. */
const REFUSE_WITHIN_MS = 5000;

/**
 * `refuse`: the proxy reads back disabled and, when the board held a connection, the broker sees
 * its client go (a board that bypasses its proxy keeps its connection).
 */
async function refused(
  ctx: FaultContext,
  wasConnected: boolean | undefined,
  gone: Promise<Seen> | undefined,
): Promise<Seen> {
  let enabled: boolean;
  try {
    enabled = await ctx.proxy.isEnabled();
  } catch (err) {
    return {
      confirmed: false,
      seen: `Toxiproxy could not be asked: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (enabled) return { confirmed: false, seen: `Toxiproxy still shows proxy ${ctx.board.id} enabled` };
  if (wasConnected === false || !gone)
    return {
      confirmed: true,
      seen: `proxy ${ctx.board.id} disabled; the board had no connection at the broker to close`,
    };
  return gone;
}

export type BrokerOutageMode = 'refuse' | 'stop' | 'restart-clean';

/**
 * The broker is unreachable. `refuse`: the board's proxy is disabled (connections closed, new
 * ones refused); `stop`: the embedded broker stops and comes back with its sessions;
 * `restart-clean`: it comes back without sessions and queued messages.
 */
export const brokerOutage = defineFault<{ for: number; mode: BrokerOutageMode }>({
  kind: 'broker-outage',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['for'],
    description: 'The broker is unreachable.',
    properties: {
      for: duration('How long the broker stays unreachable.'),
      mode: {
        enum: ['refuse', 'stop', 'restart-clean'],
        description:
          'refuse (default): the proxy closes connections and refuses new ones; stop: the broker stops and restarts keeping sessions; restart-clean: it restarts losing sessions and queued messages.',
      },
    },
  },
  parse: (raw) => ({ for: ms(raw.for), mode: (raw.mode as BrokerOutageMode | undefined) ?? 'refuse' }),
  span: (p) => p.for,
  effect: () => 'down',
  scope: (p) => (p.mode === 'refuse' ? 'board' : 'rack'),
  rackReason: (p) => ({
    message: `broker-outage with mode ${p.mode} restarts the broker that every board shares`,
    hint: 'remove `boards`, or use mode: refuse to cut only some boards off',
  }),
  resource: () => 'broker',
  downPhases: (p) => [[0, p.for]],
  problem(ctx, p) {
    if (p.mode !== 'refuse' && ctx.broker.kind === 'external') {
      return `broker-outage mode ${p.mode} needs the embedded broker (broker.url is set); use mode: refuse`;
    }
    return undefined;
  },
  confirm: (p) =>
    p.mode === 'refuse'
      ? {
          by: "Toxiproxy shows the proxy disabled and the broker sees the board's client go (when it was connected)",
          withinMs: REFUSE_WITHIN_MS,
        }
      : { by: 'the embedded broker reports itself stopped', withinMs: 0 },
  async apply(ctx, p) {
    if (p.mode === 'refuse') {
      const clientId = ctx.board.clientId;
      const wasConnected = ctx.board.connectedAtBroker?.();
      const watch =
        clientId && wasConnected !== false
          ? watchBoard(
              ctx,
              REFUSE_WITHIN_MS,
              (op, after) =>
                op.kind === 'client' && op.event === 'disconnect' && op.clientId === clientId
                  ? {
                      confirmed: true,
                      seen: `proxy disabled; the broker saw ${clientId} go ${after} ms after`,
                    }
                  : undefined,
              `proxy disabled, but the broker did not see ${clientId} go within ${REFUSE_WITHIN_MS} ms: is the board connected through its proxy?`,
            )
          : undefined;
      try {
        await ctx.proxy.setEnabled(false);
      } catch (err) {
        watch?.settle();
        throw err;
      }
      return {
        detail: 'proxy disabled: connections closed, new ones refused (mode refuse)',
        ...(ctx.board.watch && { confirmed: refused(ctx, wasConnected, watch?.result) }),
        heal: async () => {
          watch?.settle();
          await ctx.proxy.setEnabled(true);
        },
      };
    }
    const release = await ctx.broker.outage(p.mode);
    const stopped = !ctx.broker.running;
    return {
      confirmed: seenNow(
        stopped,
        stopped ? 'the broker stopped' : 'the broker still reports itself running after the outage began',
      ),
      detail:
        p.mode === 'stop'
          ? 'broker stopped; it restarts with its sessions (mode stop)'
          : 'broker stopped; it restarts without sessions or queued messages (mode restart-clean)',
      heal: release,
    };
  },
});
