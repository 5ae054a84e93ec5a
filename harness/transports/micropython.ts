import { basename, resolve } from 'node:path';
import type { SchemaObject } from 'ajv';
import type { BoardTransport, TransportYaml } from '../board/transport.js';
import { HilError } from '../spec/errors.js';

/**
 * A board running real MicroPython on this host: the WebAssembly port in a worker thread
 * (default), or a unix-port binary the user built (`binary:`), with the board's files.
 */
export interface MicroPythonSpec {
  kind: 'micropython';
  /** `FILE` or `FILE:REMOTE`, as `hil deploy` takes them; paths relative to the working directory. */
  files: string[];
  /** A unix-port `micropython` binary, run on a PTY; absent: the WebAssembly port from npm. */
  binary?: string;
  /** The WebAssembly port's GC heap in bytes (default 1 MiB). */
  heap?: number;
  readonly [param: string]: unknown;
}

const schema: SchemaObject = {
  type: 'object',
  required: ['files'],
  additionalProperties: false,
  properties: {
    files: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1 },
      description:
        "The board's files, as `hil deploy` takes them: FILE or FILE:REMOTE (app.py:main.py, umqtt/simple.py:lib/umqtt/simple.py); relative to the working directory.",
    },
    binary: {
      type: 'string',
      minLength: 1,
      description: 'A unix-port micropython binary to run on a PTY instead of the WebAssembly port.',
    },
    heap: {
      type: 'integer',
      minimum: 65536,
      description: "The WebAssembly port's GC heap in bytes (default 1048576).",
    },
  },
};

const about =
  "Real MicroPython on this host: the WebAssembly port (default) or a unix-port binary, running the board's files (see docs/micropython-boards.md).";

/** `micropython: { files, binary?, heap? }`. */
const micropythonYaml: TransportYaml<MicroPythonSpec> = {
  kind: 'micropython',
  label: 'MicroPython',
  advertise: 'loopback',
  key: 'micropython',
  about,
  schema,
  expect: '{ files: [FILE:REMOTE, ...], binary?, heap? }',
  accepts: (v) => typeof v === 'object' && v !== null,
  // Relative paths are the boards.yml file's, as every path in it: made absolute here.
  parse: (v, at) => {
    const o = v as { files: string[]; binary?: string; heap?: number };
    const local = (p: string) => (at ? resolve(at.dir, p) : p);
    const files = o.files.map((f) => {
      // FILE or FILE:REMOTE, split as `hil deploy` splits it.
      const i = f.lastIndexOf(':');
      return i > 0 && i < f.length - 1
        ? `${local(f.slice(0, i))}:${f.slice(i + 1)}`
        : `${local(f)}:${basename(f)}`;
    });
    const spec: MicroPythonSpec = { kind: 'micropython', files };
    if (o.binary !== undefined) spec.binary = o.binary.includes('/') ? local(o.binary) : o.binary;
    if (o.heap !== undefined) spec.heap = o.heap;
    return spec;
  },
  fills: (s) => ({ firmware: s.binary ? 'micropython-unix' : 'micropython-wasm-1.27.0' }),
  alone: 'a MicroPython board gets its console from hil',
};

/**
 * Opens a MicroPython board: starts the interpreter with the board's files (the agent, the app
 * as main.py, its libraries under lib/); its console is a stream (WebAssembly port) or a PTY
 * (unix port). Its MQTT target comes from the agent's `config`, as on a real board.
 */
export const micropython: BoardTransport<MicroPythonSpec> = {
  kind: 'micropython',
  label: micropythonYaml.label,
  advertise: micropythonYaml.advertise,
  rawRepl: false,
  yaml: micropythonYaml,
  describe: (s) => (s.binary ? `MicroPython unix port (${s.binary})` : 'MicroPython WebAssembly port'),
  async open(board, spec, ctx) {
    const { fileSpec } = await import('../deploy/deploy.js');
    const files = spec.files.map(fileSpec);
    if (spec.binary) {
      const { startUnixPortBoard } = await import('../sim/micropython/unix-port.js');
      const { serialConsole } = await import('../board/open-board.js');
      const b = await startUnixPortBoard({ board: board.id, binary: spec.binary, files, log: ctx.log });
      return serialConsole(b.path, {
        board: board.id,
        baud: board.baud,
        stop: () => b.stop(),
        restart: () => b.restart(),
      });
    }
    const { startMicroPythonBoard } = await import('../sim/micropython/board.js');
    const b = await startMicroPythonBoard({
      board: board.id,
      files,
      heap: spec.heap,
      log: ctx.log,
    });
    let stopping: Promise<void> | undefined;
    return {
      path: `micropython:${board.id}`,
      open: async () => {
        const stream = b.openConsole();
        return {
          stream,
          set: (_flags, cb) => cb(new HilError('HIL_E_SERIAL', `board "${board.id}" has no modem lines`)),
          close: async () => {
            stream.destroy();
          },
        };
      },
      restart: () => b.restart(),
      stop: () => {
        stopping ??= b.stop();
        return stopping;
      },
    };
  },
};
