import { duration } from '../spec/schema-parts.js';
import { toxicsListed } from './confirm.js';
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
  confirm: () => ({ by: 'Toxiproxy lists its toxics on the proxy', withinMs: 0 }),
  async apply(ctx) {
    const list = toxics('half-open', 'timeout', { timeout: 0 }, ['upstream']);
    const heal = await addToxics(ctx.proxy, list);
    return {
      detail: 'Toxiproxy timeout 0 ms, upstream only (board → broker dropped)',
      confirmed: toxicsListed(ctx, list),
      heal,
    };
  },
});
