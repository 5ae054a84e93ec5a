import type { SchemaObject } from 'ajv';
import { duration } from '../spec/schema-parts.js';
import type { ModelOptionValue } from '../spec/types.js';

export type { ModelOptionValue };

/**
 * Options of the virtual board models and their defaults, from the libraries the
 * models stand for (see docs/virtual-rack.md). A model accepts only its own options.
 */
export type ModelName = 'simple' | 'robust' | 'robust2' | 'resilient';
export const MODEL_NAMES: readonly ModelName[] = ['simple', 'robust', 'robust2', 'resilient'];

export const OPTION_SCHEMAS: Record<string, SchemaObject> = {
  qos: { enum: [0, 1], description: 'QoS of publishes.' },
  'clean-session': { type: 'boolean', description: 'Clean session on (first) connect.' },
  keepalive: duration('MQTT keepalive; "0s" sends no pings.'),
  'reconnect-delay': duration('Pause between reconnect attempts.'),
  'socket-timeout': duration('Socket write/read timeout; "0s" blocks forever.'),
  'queue-size': {
    type: 'integer',
    minimum: 1,
    description: 'Outgoing queue length (unacknowledged included).',
  },
  'resend-after': duration('Resend a QoS 1 publish without PUBACK after this long.'),
  'subscribe-qos': { enum: [0, 1], description: 'QoS of the command subscription.' },
  resubscribe: { type: 'boolean', description: 'Subscribe again after every reconnect.' },
  'drop-expired': { type: 'boolean', description: 'Drop queued messages whose deadline has passed.' },
  version: {
    enum: ['1.0.3', '1.0'],
    description:
      "umqtt.robust's version: 1.0.3 (micropython-lib) or 1.0 (PyPI, whose check_msg blocks after a reconnect).",
  },
};

export const MODEL_DEFAULTS: Record<ModelName, Record<string, ModelOptionValue>> = {
  simple: { qos: 0, 'clean-session': true, keepalive: '0s', 'subscribe-qos': 0 },
  robust: {
    qos: 0,
    'clean-session': true,
    keepalive: '0s',
    'reconnect-delay': '2s',
    'socket-timeout': '0s',
    'subscribe-qos': 0,
    resubscribe: false,
    version: '1.0.3',
  },
  robust2: {
    qos: 1,
    // Its README requires persistent sessions: connect(clean_session=False), subscribe once.
    'clean-session': false,
    keepalive: '0s',
    'reconnect-delay': '1s',
    'socket-timeout': '5s',
    'queue-size': 5,
    'resend-after': '10s',
    'subscribe-qos': 1,
    resubscribe: true,
  },
  resilient: {
    qos: 1,
    'clean-session': false,
    keepalive: '4s',
    'reconnect-delay': '1s',
    'socket-timeout': '10s',
    'queue-size': 100,
    'subscribe-qos': 1,
    resubscribe: true,
    'drop-expired': true,
  },
};

export function isModelName(name: string): name is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(name);
}

/**
 * A model's options: its defaults, then each layer over the last (boards.yml, then a scenario's
 * `models:`). The one place defaults are merged. Throws for a model the rack does not have.
 */
export function modelOptions(
  model: string,
  ...layers: Array<Record<string, ModelOptionValue> | undefined>
): Record<string, ModelOptionValue> {
  if (!isModelName(model)) throw new Error(`no virtual model "${model}" (models: ${MODEL_NAMES.join(', ')})`);
  return Object.assign({}, MODEL_DEFAULTS[model], ...layers.filter(Boolean));
}

/** JSON Schema of one model's options object (without `model`). */
export function modelOptionsSchema(model: ModelName): SchemaObject {
  const properties = Object.fromEntries(
    Object.keys(MODEL_DEFAULTS[model]).map((k) => [k, OPTION_SCHEMAS[k]]),
  );
  return { type: 'object', additionalProperties: false, properties };
}
