import { duration } from '../spec/schema-parts.js';
import { toxicsListed } from './confirm.js';
import { defineFault, ms } from './kind.js';
import { addToxics, toxics } from './toxics.js';

/** A thin link: Toxiproxy `bandwidth` both ways. */
export const bandwidth = defineFault<{ for: number; rate: number }>({
  kind: 'bandwidth',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['for', 'rate'],
    description: 'Limits throughput in both directions (Toxiproxy bandwidth toxic).',
    properties: {
      for: duration('How long the limit lasts.'),
      rate: { type: 'integer', minimum: 1, description: 'KB/s.' },
    },
  },
  parse: (raw) => ({ for: ms(raw.for), rate: raw.rate as number }),
  span: (p) => p.for,
  effect: () => 'degraded',
  scope: () => 'board',
  resource: () => 'toxic:bandwidth',
  downPhases: () => [],
  confirm: () => ({ by: 'Toxiproxy lists its toxics on the proxy', withinMs: 0 }),
  async apply(ctx, p) {
    const list = toxics('bandwidth', 'bandwidth', { rate: p.rate });
    const heal = await addToxics(ctx.proxy, list);
    return {
      detail: `Toxiproxy bandwidth ${p.rate} KB/s, both directions`,
      confirmed: toxicsListed(ctx, list),
      heal,
    };
  },
});
