import { duration } from '../spec/schema-parts.js';
import { defineFault, ms } from './kind.js';

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
  async apply(ctx, p) {
    if (p.mode === 'refuse') {
      await ctx.proxy.setEnabled(false);
      return {
        detail: 'proxy disabled: connections closed, new ones refused (mode refuse)',
        heal: () => ctx.proxy.setEnabled(true),
      };
    }
    const release = await ctx.broker.outage(p.mode);
    return {
      detail:
        p.mode === 'stop'
          ? 'broker stopped; it restarts with its sessions (mode stop)'
          : 'broker stopped; it restarts without sessions or queued messages (mode restart-clean)',
      heal: release,
    };
  },
});
