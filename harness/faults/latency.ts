import { duration } from '../spec/schema-parts.js';
import { toxicsListed } from './confirm.js';
import { defineFault, ms } from './kind.js';
import { addToxics, toxics } from './toxics.js';

/**
 * A slow link: Toxiproxy `latency` both ways. Each direction waits `ms` ± `jitter`: a
 * request/response round trip grows by about 2 × ms.
 */
export const latency = defineFault<{ for: number; ms: number; jitter: number }>({
  kind: 'latency',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['for', 'ms'],
    description: 'Adds latency in both directions (Toxiproxy latency toxic).',
    properties: {
      for: duration('How long the latency lasts.'),
      ms: { type: 'integer', minimum: 1, description: 'Added delay in milliseconds.' },
      jitter: {
        type: 'integer',
        minimum: 0,
        description: 'Random extra delay, up to this many milliseconds.',
      },
    },
  },
  parse: (raw) => ({
    for: ms(raw.for),
    ms: raw.ms as number,
    jitter: (raw.jitter as number | undefined) ?? 0,
  }),
  span: (p) => p.for,
  effect: () => 'degraded',
  scope: () => 'board',
  resource: () => 'toxic:latency',
  downPhases: () => [],
  confirm: () => ({ by: 'Toxiproxy lists its toxics on the proxy', withinMs: 0 }),
  async apply(ctx, p) {
    const list = toxics('latency', 'latency', { latency: p.ms, jitter: p.jitter });
    const heal = await addToxics(ctx.proxy, list);
    return {
      detail: `Toxiproxy latency ${p.ms} ms ± ${p.jitter} ms, both directions`,
      confirmed: toxicsListed(ctx, list),
      heal,
    };
  },
});
