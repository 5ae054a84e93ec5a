import { duration } from '../spec/schema-parts.js';
import { toxicsListed } from './confirm.js';
import { defineFault, ms } from './kind.js';
import { addToxics, toxics } from './toxics.js';

/** Packets split and delayed: Toxiproxy `slicer` both ways. */
export const slicer = defineFault<{ for: number; averageSize: number; sizeVariation: number; delay: number }>(
  {
    kind: 'slicer',
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['for'],
      description: 'Slices data into small packets with a delay between them (Toxiproxy slicer toxic).',
      properties: {
        for: duration('How long slicing lasts.'),
        'average-size': {
          type: 'integer',
          minimum: 1,
          description: 'Average packet size in bytes (default 16).',
        },
        'size-variation': {
          type: 'integer',
          minimum: 0,
          description: 'Variation of the size in bytes (default 8).',
        },
        delay: duration('Delay between packets (default 10ms).'),
      },
    },
    parse: (raw) => ({
      for: ms(raw.for),
      averageSize: (raw['average-size'] as number | undefined) ?? 16,
      sizeVariation: (raw['size-variation'] as number | undefined) ?? 8,
      delay: raw.delay === undefined ? 10 : ms(raw.delay),
    }),
    span: (p) => p.for,
    effect: () => 'degraded',
    scope: () => 'board',
    resource: () => 'toxic:slicer',
    downPhases: () => [],
    confirm: () => ({ by: 'Toxiproxy lists its toxics on the proxy', withinMs: 0 }),
    async apply(ctx, p) {
      const attributes = {
        average_size: p.averageSize,
        size_variation: Math.min(p.sizeVariation, p.averageSize - 1),
        // Toxiproxy's slicer delay is in microseconds.
        delay: p.delay * 1000,
      };
      const list = toxics('slicer', 'slicer', attributes);
      const heal = await addToxics(ctx.proxy, list);
      return {
        confirmed: toxicsListed(ctx, list),
        detail: `Toxiproxy slicer ${p.averageSize} ± ${attributes.size_variation} bytes, ${p.delay} ms apart, both directions`,
        heal,
      };
    },
  },
);
