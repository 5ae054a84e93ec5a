import type { PolicyDefinition } from '../../spec/policy.js';
import { duration } from '../../spec/schema-parts.js';

export const mustDeliverSpec: PolicyDefinition = {
  name: 'must-deliver',
  shorthand: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['must-deliver'],
    description: 'Every message arrives at least once by the end of the drain period.',
    properties: {
      'must-deliver': { const: true },
      'exactly-once': { type: 'boolean', description: 'A second copy fails.' },
      ordered: { type: 'boolean', description: 'First arrivals must follow emit order.' },
      settle: duration('How long the link must be up before the firmware is expected to have reconnected.'),
    },
  },
  parse: (raw, ms) => ({
    policy: 'must-deliver',
    exactlyOnce: raw['exactly-once'] === true,
    ordered: raw.ordered === true,
    ...(raw.settle !== undefined && { settle: ms(raw.settle) }),
  }),
};
