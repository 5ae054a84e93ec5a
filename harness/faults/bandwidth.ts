import { duration } from '../spec/schema-parts.js';
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
  async apply(ctx, p) {
    const heal = await addToxics(ctx.proxy, toxics('bandwidth', 'bandwidth', { rate: p.rate }));
    return { detail: `Toxiproxy bandwidth ${p.rate} KB/s, both directions`, heal };
  },
});
