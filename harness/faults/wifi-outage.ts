import { duration } from '../spec/schema-parts.js';
import { defineFault, ms } from './kind.js';

/** The board loses its network; the broker is not told (no FIN). */
export const wifiOutage = defineFault<{ for: number }>({
  kind: 'wifi-outage',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['for'],
    description:
      "The board loses its network. Made as the board's `wifi` method says (agent, proxy, command).",
    properties: { for: duration('How long the network stays down.') },
  },
  parse: (raw) => ({ for: ms(raw.for) }),
  span: (p) => p.for,
  effect: () => 'down',
  scope: () => 'board',
  resource: () => 'network',
  downPhases: (p) => [[0, p.for]],
});
