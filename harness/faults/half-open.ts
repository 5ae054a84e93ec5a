import { duration } from '../spec/schema-parts.js';
import { defineFault, ms } from './kind.js';
import { addToxics, toxics } from './toxics.js';

/**
 * The broker stops hearing the board while the board's writes still succeed: `timeout` 0 on the
 * upstream only. Healing removes it, which closes the connection.
 */
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
  async apply(ctx) {
    const heal = await addToxics(ctx.proxy, toxics('half-open', 'timeout', { timeout: 0 }, ['upstream']));
    return { detail: 'Toxiproxy timeout 0 ms, upstream only (board → broker dropped)', heal };
  },
});
