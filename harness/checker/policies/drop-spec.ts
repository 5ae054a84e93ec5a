import type { PolicyDefinition } from '../../spec/policy.js';
import { duration } from '../../spec/schema-parts.js';

export const dropSpec: PolicyDefinition = {
  name: 'drop',
  shorthand: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['drop'],
    description: 'Losses during outages are fine; a message emitted on a settled link must arrive.',
    properties: {
      drop: { const: true },
      'max-age': duration('Optional: a copy arriving later than this after its emit fails.'),
      settle: duration('How long the link must be up before the firmware is expected to have reconnected.'),
    },
  },
  parse: (raw, ms) => ({
    policy: 'drop',
    ...(raw.settle !== undefined && { settle: ms(raw.settle) }),
    ...(raw['max-age'] !== undefined && { maxAge: ms(raw['max-age']) }),
  }),
};
