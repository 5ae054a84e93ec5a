import { duration } from '../spec/schema-parts.js';
import { defineFault, ms } from './kind.js';

export type BrokerOutageMode = 'refuse' | 'stop' | 'restart-clean';

/** The broker is unreachable: refused at the proxy, or stopped (sessions kept or lost). */
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
  resource: () => 'broker',
  downPhases: (p) => [[0, p.for]],
});
