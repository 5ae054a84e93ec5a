import type { SchemaObject } from 'ajv';
import type { BoardTransport, TransportYaml } from '../board/transport.js';
import {
  MODEL_NAMES,
  type ModelName,
  type ModelOptionValue,
  modelOptions,
  modelOptionsSchema,
} from '../sim/model-options.js';
import { HilError } from '../spec/errors.js';

/** A simulated board: a model of the virtual rack and its options (model defaults filled in). */
export interface VirtualTransportSpec {
  kind: 'virtual';
  model: string;
  options: Record<string, ModelOptionValue>;
  readonly [param: string]: unknown;
}

const schema: SchemaObject = {
  type: 'object',
  required: ['model'],
  description: 'A simulated board; the options vary per model (see docs/virtual-rack.md).',
  properties: { model: { enum: [...MODEL_NAMES] } },
  // Per-model options are checked by `refine`; the editor schema lists them all.
  additionalProperties: true,
};

/** The editor schema: every model's options spelt out. */
function editorSchema(): SchemaObject {
  const perModel = MODEL_NAMES.map((m) => {
    const opts = modelOptionsSchema(m);
    return {
      if: { properties: { model: { const: m } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then, not a thenable.
      then: { properties: { model: { const: m }, ...opts.properties }, additionalProperties: false },
    };
  });
  return { ...schema, allOf: perModel };
}

/** `virtual: { model, ...options }`: a simulated board of the virtual rack. */
const virtualYaml: TransportYaml<VirtualTransportSpec> = {
  kind: 'virtual',
  label: 'virtual',
  advertise: 'loopback',
  key: 'virtual',
  about: 'A simulated board; the options vary per model (see docs/virtual-rack.md).',
  schema,
  expect: '{ model, ...options }',
  get editorSchema() {
    return editorSchema();
  },
  accepts: (v) => typeof v === 'object' && v !== null,
  refine: (v) => {
    const { model, ...options } = v as Record<string, unknown>;
    return { value: options, schema: modelOptionsSchema(model as ModelName) };
  },
  parse: (v) => {
    const { model, ...options } = v as Record<string, ModelOptionValue>;
    return { kind: 'virtual', model: model as string, options: modelOptions(model as ModelName, options) };
  },
  fills: (s) => ({ firmware: `virtual-${s.model}`, virtual: { model: s.model, options: s.options } }),
  alone: 'a virtual board gets its serial line from a PTY',
};

/**
 * A virtual board (`virtual: { model, ...options }`): a board on one end of a PTY pair, in a
 * board host process shared with up to 15 others (HIL_BOARDS_PER_PROCESS), its MQTT client on
 * this host's loopback. Started by `sim/launcher.ts` when opened.
 */
export const virtual: BoardTransport<VirtualTransportSpec> = {
  kind: 'virtual',
  label: virtualYaml.label,
  advertise: virtualYaml.advertise,
  rawRepl: false,
  yaml: virtualYaml,
  describe: (s) => `virtual PTY (${s.model})`,
  async open(board, spec, ctx) {
    if (!ctx.broker)
      throw new HilError(
        'HIL_E_CONFIG',
        `board "${board.id}" is virtual: starting it needs a broker address`,
      );
    const { startVirtualBoard } = await import('../sim/launcher.js');
    const { serialConsole } = await import('../board/open-board.js');
    const handle = await startVirtualBoard(board, spec, {
      broker: ctx.broker,
      options: ctx.modelOptions,
      log: ctx.log,
      ...(ctx.waitForConfig && { waitForConfig: true }),
    });
    return serialConsole(handle.path, {
      board: board.id,
      baud: board.baud,
      stop: () => handle.stop(),
      restart: () => handle.restart(),
    });
  },
};
