import type { SchemaObject } from 'ajv';
import { MODEL_NAMES, modelOptionsSchema } from '../sim/model-options.js';
import { duration, hostPort, id, stringList } from '../spec/schema-parts.js';

const hexId = (what: string): SchemaObject => ({
  type: 'string',
  pattern: '^[0-9a-fA-F]{4}$',
  'x-expect': `a 4-digit hex ${what} in quotes, e.g. "2e8a"`,
  description: `USB ${what}, 4 hex digits. Quote it: YAML reads 0005 as the number 5.`,
});

const serial: SchemaObject = {
  'x-expect': 'a device path or { vid, pid, serialNumber }',
  description: 'The serial port: a path (prefer /dev/serial/by-id/...) or a USB identity.',
  anyOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      additionalProperties: false,
      required: ['vid', 'pid'],
      properties: {
        vid: hexId('vendor id'),
        pid: hexId('product id'),
        serialNumber: { type: 'string', minLength: 1, description: 'USB serial number.' },
      },
    },
  ],
};

const wifi: SchemaObject = {
  'x-expect': 'agent, proxy or { command: { down, up } }',
  description: 'How a WiFi outage is made on this board.',
  anyOf: [
    { enum: ['agent', 'proxy'] },
    {
      type: 'object',
      additionalProperties: false,
      required: ['command'],
      properties: {
        command: {
          type: 'object',
          additionalProperties: false,
          required: ['down', 'up'],
          properties: {
            down: { type: 'string', minLength: 1, description: 'Shell command that takes the network away.' },
            up: { type: 'string', minLength: 1, description: 'Shell command that gives it back.' },
          },
        },
      },
    },
  ],
};

const reset: SchemaObject = {
  'x-expect': 'dtr, rts, repl, none, { command: "..." } or { line: dtr, invert: true, pulse: 100ms }',
  description: 'How to hard-reset the board.',
  anyOf: [
    { enum: ['dtr', 'rts', 'repl', 'none'] },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        command: { type: 'string', minLength: 1, description: 'Shell command that resets the board.' },
        line: { enum: ['dtr', 'rts'], description: 'Modem line wired to the reset pin.' },
        invert: { type: 'boolean', description: 'The line is active high on this adapter.' },
        pulse: duration('How long the line is held.'),
      },
    },
  ],
};

const virtualSchema: SchemaObject = {
  type: 'object',
  required: ['model'],
  description: 'A simulated board; the options vary per model (see docs/virtual-rack.md).',
  properties: { model: { enum: [...MODEL_NAMES] } },
  // Per-model options are checked by the loader; the editor schema lists them all.
  additionalProperties: true,
};

const board: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: id('Unique board id, used in topics and reports.'),
    serial,
    listen: hostPort("This board's proxy address; its firmware connects here. Real boards need 0.0.0.0."),
    firmware: { type: 'string', description: 'Free text shown in reports.' },
    tags: stringList('Tags that scenarios and --tag select by.'),
    reset,
    status: {
      enum: ['enabled', 'quarantined', 'disabled'],
      description: 'quarantined: run, never fail the night.',
    },
    baud: { type: 'integer', minimum: 300, description: 'Serial speed (default from defaults.baud).' },
    wifi,
    virtual: virtualSchema,
  },
};

export const boardsSchema: SchemaObject = {
  $id: 'https://hil.dev/schemas/boards.schema.json',
  title: 'hil rack (boards.yml)',
  type: 'object',
  additionalProperties: false,
  required: ['boards'],
  properties: {
    broker: {
      type: 'object',
      additionalProperties: false,
      description: 'The observing broker: embedded aedes unless `url` is given.',
      properties: {
        listen: hostPort(
          'Where the embedded aedes listens (upstream of the proxies). Default 127.0.0.1:1883.',
        ),
        url: {
          type: 'string',
          pattern: '^mqtts?://',
          'x-expect': 'an MQTT URL, e.g. "mqtt://broker.lab:1883"',
          description: 'An external broker to observe instead.',
        },
      },
    },
    toxiproxy: {
      type: 'object',
      additionalProperties: false,
      properties: {
        url: {
          type: 'string',
          pattern: '^https?://',
          'x-expect': 'an http URL, e.g. "http://127.0.0.1:8474"',
          description: 'API of toxiproxy-server.',
        },
        manage: { type: 'boolean', description: 'Start and stop toxiproxy-server ourselves.' },
      },
    },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: { baud: board.properties.baud, wifi, reset },
    },
    boards: { type: 'array', minItems: 1, items: board },
  },
};

/** The editor schema: like the loader's, with every model's options spelt out. */
export function boardsEditorSchema(): SchemaObject {
  const perModel = MODEL_NAMES.map((m) => {
    const opts = modelOptionsSchema(m);
    return {
      if: { properties: { model: { const: m } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable.
      then: { properties: { model: { const: m }, ...opts.properties }, additionalProperties: false },
    };
  });
  const copy = structuredClone(boardsSchema);
  copy.properties.boards.items.properties.virtual = { ...virtualSchema, allOf: perModel };
  return copy;
}
