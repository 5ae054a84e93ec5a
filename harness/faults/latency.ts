import { duration } from '../spec/schema-parts.js';
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
  async apply(ctx, p) {
    const heal = await addToxics(
      ctx.proxy,
      toxics('latency', 'latency', { latency: p.ms, jitter: p.jitter }),
    );
    return { detail: `Toxiproxy latency ${p.ms} ms ± ${p.jitter} ms, both directions`, heal };
  },
});
