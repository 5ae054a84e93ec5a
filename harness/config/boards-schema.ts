import type { SchemaObject } from 'ajv';
import type { TransportYaml } from '../board/transport.js';
import { duration, hostPort, id, stringList } from '../spec/schema-parts.js';
import type { TransportSpec } from '../spec/types.js';
import { TRANSPORT_YAML } from '../transports/registry.js';

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

/** One reset method: a name, or a command / line pulse object. */
const resetMethod: SchemaObject = {
  anyOf: [
    { enum: ['dtr', 'rts', 'repl'] },
    {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        command: {
          description:
            'A command that resets or power-cycles the board (e.g. uhubctl), run without a shell: a string split as a shell would, or a list of arguments. HIL_BOARD and HIL_SERIAL are in its environment.',
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
          ],
        },
        shell: { type: 'boolean', description: 'Run `command` with sh -c (pipes, $VAR).' },
        line: { enum: ['dtr', 'rts'], description: 'Modem line wired to the reset pin.' },
        invert: { type: 'boolean', description: 'The line is active high on this adapter.' },
        pulse: duration('How long the line is held.'),
      },
    },
  ],
};

const reset: SchemaObject = {
  'x-expect':
    'dtr, rts, repl, none, { command: "..." }, { line: dtr, invert: true, pulse: 100ms }, or a list of these tried in order',
  description:
    "How to hard-reset the board when its agent cannot: one method, or a list tried in order (e.g. [repl, { command: 'uhubctl -l 1-1 -p 2 -a cycle' }]).",
  anyOf: [{ const: 'none' }, ...resetMethod.anyOf, { type: 'array', minItems: 1, items: resetMethod }],
};

const mqtt: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  'x-expect': '{ username: NAME, password: SECRET } or { username: NAME, password-env: VARIABLE }',
  description:
    "The board's MQTT login: sent to it in `config`; the embedded broker refuses any other (see docs/boards-yml.md).",
  properties: {
    username: { type: 'string', minLength: 1, description: 'The MQTT username the board presents.' },
    password: {
      type: 'string',
      minLength: 1,
      description: 'Its password, as written here (prefer password-env: a file is easily shared).',
    },
    'password-env': {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      'x-expect': 'an environment variable name, e.g. HIL_MQTT_PASSWORD',
      description: 'The environment variable holding its password, read by hil run (not by hil validate).',
    },
  },
};

/**
 * The board keys of the transports (`serial`, `virtual`), from their registry: one schema per
 * key, a union where two transports share it (a path or a USB identity).
 */
function transportKeys(editor: boolean): Record<string, SchemaObject> {
  const byKey = new Map<string, TransportYaml<TransportSpec>[]>();
  for (const y of TRANSPORT_YAML) byKey.set(y.key, [...(byKey.get(y.key) ?? []), y]);
  const keys: Record<string, SchemaObject> = {};
  for (const [key, [first, ...more]] of byKey) {
    if (!first) continue;
    const of = (y: TransportYaml<TransportSpec>) => (editor ? (y.editorSchema ?? y.schema) : y.schema);
    keys[key] = more.length
      ? {
          'x-expect': [first, ...more].map((y) => y.expect).join(' or '),
          description: first.about,
          anyOf: [first, ...more].map(of),
        }
      : { description: first.about, ...of(first) };
  }
  return keys;
}

const board: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: id('Unique board id, used in topics and reports.'),
    ...transportKeys(false),
    listen: hostPort("This board's proxy address; its firmware connects here. Real boards need 0.0.0.0."),
    firmware: { type: 'string', description: 'Free text shown in reports.' },
    tags: stringList("Tags a scenario's boards: selector and hil run --tag select this board by."),
    reset,
    status: {
      enum: ['enabled', 'quarantined', 'disabled'],
      description: 'quarantined: run, never fail the night; disabled: skipped, listed with its reason.',
    },
    reason: { type: 'string', minLength: 1, description: 'Why the board is quarantined or disabled.' },
    ready: duration('How long the board has to answer hello and connect to MQTT (default 30s).'),
    baud: { type: 'integer', minimum: 300, description: 'Serial speed (default from defaults.baud).' },
    wifi,
    mqtt,
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
      properties: { baud: board.properties.baud, wifi, reset, ready: board.properties.ready, mqtt },
    },
    boards: { type: 'array', minItems: 1, items: board },
  },
};

/** The editor schema: like the loader's, with the transports' editor schemas (every model's options). */
export function boardsEditorSchema(): SchemaObject {
  const copy = structuredClone(boardsSchema);
  Object.assign(copy.properties.boards.items.properties, transportKeys(true));
  return copy;
}
