import type { SchemaObject } from 'ajv';

/** Schema fragments shared by boards.yml, scenarios and the fault and policy registries. */

export const duration = (description: string): SchemaObject => ({
  type: 'string',
  format: 'duration',
  description: `${description} A number and a unit: ms, s, m or h (e.g. "250ms", "15s", "2m").`,
});

export const hostPort = (description: string): SchemaObject => ({
  type: 'string',
  pattern: '^[^\\s:]+:[0-9]{1,5}$',
  'x-expect': 'host:port, e.g. "127.0.0.1:1883"',
  description,
});

export const id = (description: string): SchemaObject => ({
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9-]*$',
  'x-expect': 'lower-case letters, digits and dashes, e.g. "picow-01"',
  description,
});

export const stringList = (description: string): SchemaObject => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  uniqueItems: true,
  description,
});

export const selector: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description: 'Which boards: every board with one of `tags`, plus the boards named in `ids`.',
  properties: {
    tags: stringList('Board tags, any of which selects a board.'),
    ids: stringList('Board ids.'),
  },
};
