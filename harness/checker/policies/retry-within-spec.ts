import type { PolicyDefinition } from '../../spec/policy.js';
import { duration } from '../../spec/schema-parts.js';

export const retryWithinSpec: PolicyDefinition = {
  name: 'retry-within',
  shorthand: false,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['retry-within'],
    description: 'Every copy arrives within the deadline of its emit, or none ever does.',
    properties: {
      'retry-within': duration('The deadline D, counted from the emit.'),
      duplicates: {
        enum: ['allowed', 'forbidden'],
        description: 'forbidden: a second copy fails (default allowed).',
      },
      settle: duration('How long the link must be up before the firmware is expected to have reconnected.'),
    },
  },
  parse: (raw, ms) => ({
    policy: 'retry-within',
    within: ms(raw['retry-within']),
    duplicates: (raw.duplicates as 'allowed' | 'forbidden' | undefined) ?? 'allowed',
    ...(raw.settle !== undefined && { settle: ms(raw.settle) }),
  }),
};
