import { duration } from '../spec/schema-parts.js';
import { defineFault, ms } from './kind.js';

/** The broker stops hearing the board while the board keeps sending: `timeout` upstream only. */
export const halfOpen = defineFault<{ for: number }>({
  kind: 'half-open',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['for'],
    description:
      'Upstream bytes stop reaching the broker; the board notices nothing (Toxiproxy timeout upstream).',
    properties: { for: duration('How long the link stays half-open.') },
  },
  parse: (raw) => ({ for: ms(raw.for) }),
  span: (p) => p.for,
  effect: () => 'down',
  scope: () => 'board',
  resource: () => 'network',
  downPhases: (p) => [[0, p.for]],
});
