import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openPtyPair } from '../board/pty-pair.js';
import { HilError } from '../spec/errors.js';
import type { BoardSpec, VirtualSpec } from '../spec/types.js';
import { isModelName, type ModelOptionValue, modelOptions } from './model-options.js';
import { optionProblems } from './options-check.js';
import type { VirtualBoardSpec } from './virtual-board.js';

export interface VirtualBoardHandle {
  /** The host end of the PTY pair: open it with serialport, as /dev/ttyACM0. */
  path: string;
  pid: number;
  /** Ends the board process and the PTY pair; safe to call twice. */
  stop(): Promise<void>;
  /** Stops the board process and starts a new one on the same PTY: a power cycle (a new boot). */
  restart(): Promise<void>;
}

export interface StartOptions {
  /** Where the board's MQTT client connects: normally its Toxiproxy proxy. */
  broker: { host: string; port: number };
  /** The board process's own diagnostics (not its serial console). */
  log?: (line: string) => void;
  /** Option overrides (a scenario's `models:` key) over the board's own. */
  options?: Record<string, ModelOptionValue>;
  /** How long the board process may take to say it is ready, in ms (default 20 s; tests). */
  readyTimeoutMs?: number;
}

const READY_MS = 20_000;
/** SIGTERM, then SIGKILL after STOP_MS; after as long again stop() gives up waiting. */
const STOP_MS = 2_000;

/** What the launcher needs of a board. */
export type VirtualBoardOf = Pick<BoardSpec, 'id' | 'firmware' | 'baud'>;

/**
 * Starts one virtual board: a PTY pair and, on its device end, a board process of `virtual`'s
 * model. HIL_E_CONFIG for an unknown model or a bad option (before any PTY is made),
 * HIL_E_BOARD when the process does not say it is ready in time.
 */
export async function startVirtualBoard(
  board: VirtualBoardOf,
  virtual: VirtualSpec,
  opts: StartOptions,
): Promise<VirtualBoardHandle> {
  const model = virtual.model;
  if (!isModelName(model))
    throw new HilError('HIL_E_CONFIG', `board "${board.id}": no virtual model "${model}"`);
  const options = modelOptions(model, virtual.options, opts.options);
  const problems = optionProblems(model, options);
  if (problems.length > 0) throw new HilError('HIL_E_CONFIG', `board "${board.id}": ${problems.join('; ')}`);

  const entry = await boardEntry();
  const pty = await openPtyPair();
  const spec: VirtualBoardSpec = {
    board: board.id,
    fw: board.firmware,
    model,
    options,
    broker: opts.broker,
    device: pty.device,
    baud: board.baud,
  };
  const log = opts.log ?? (() => {});
  const readyMs = opts.readyTimeoutMs ?? READY_MS;
  let child: ChildProcess;
  try {
    child = spawnBoard(spec, log, entry);
  } catch (err) {
    await pty.close();
    throw err;
  }
  const stop = once(async () => {
    try {
      await ended(child);
    } finally {
      await pty.close();
    }
  });
  const started = async () => {
    try {
      await ready(child, board.id, readyMs);
    } catch (err) {
      await stop();
      throw err;
    }
    child.on('exit', (code, signal) => log(`[${board.id}] board process exited (${signal ?? code})`));
  };
  await started();
  return {
    path: pty.host,
    get pid() {
      return child.pid as number;
    },
    stop,
    restart: async () => {
      // The PTY pair stays: the host end keeps its port open, as across a real power cycle.
      await ended(child);
      child = spawnBoard(spec, log, entry);
      await started();
    },
  };
}

/** One board process on the device end of the PTY pair, its output going to `log`. */
function spawnBoard(spec: VirtualBoardSpec, log: (line: string) => void, entry: BoardEntry): ChildProcess {
  const { command, args } = entry;
  const child = spawn(command, [...args, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  // Kept for the process's life: an unheard `error` would take the harness down.
  child.on('error', (err) => log(`[${spec.board}] board process error: ${err.message}`));
  for (const out of [child.stdout, child.stderr])
    if (out) createInterface({ input: out }).on('line', (line) => log(`[${spec.board}] ${line}`));
  return child;
}

/** The board process's command: built JS when it is current (dist/, or this file is built), else the .ts through tsx. */
export interface BoardEntry {
  command: string;
  args: string[];
}

let entryOnce: Promise<BoardEntry> | undefined;

/**
 * How a board process starts, decided once per process: from sources, tsx compiles the board at
 * every start (about twice the CPU and memory of built JS), so a current dist/ is preferred.
 */
export function boardEntry(): Promise<BoardEntry> {
  entryOnce ??= (async () => {
    const here = fileURLToPath(import.meta.url);
    if (extname(here) === '.js')
      return { command: process.execPath, args: [join(dirname(here), 'virtual-board.js')] };
    const root = new URL('../../', import.meta.url);
    const { distStale } = (await import(new URL('bin/dist-state.js', root).href)) as {
      distStale(root: URL): string | undefined;
    };
    if (distStale(root) === undefined)
      return {
        command: process.execPath,
        args: [fileURLToPath(new URL('dist/harness/sim/virtual-board.js', root))],
      };
    // Resolved from here, so the board starts whatever the current directory is.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { command: process.execPath, args: ['--import', tsx, join(dirname(here), 'virtual-board.ts')] };
  })();
  return entryOnce;
}

/** The part of a ChildProcess that starting and stopping a board uses (tests pass a fake). */
export type BoardProcess = Pick<ChildProcess, 'once' | 'off' | 'kill' | 'pid' | 'exitCode' | 'signalCode'>;

/**
 * Resolves on the board's `{ ready: true }` message; rejects on a timeout (ms), an error, an
 * exit or another message. Removes only its own listeners, whenever it settles: a ready that
 * comes late must not take away the `exit` listener stop() waits on.
 */
export function ready(child: BoardProcess, id: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      child.off('message', onMessage);
    };
    const fail = (why: string) => {
      done();
      reject(new HilError('HIL_E_BOARD', `virtual board "${id}" did not start: ${why}`));
    };
    const onError = (err: Error) => fail(err.message);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(`process exited (${signal ?? code}); see its log`);
    const onMessage = (msg: unknown) => {
      if ((msg as { ready?: unknown } | null)?.ready !== true)
        return fail(`unexpected message ${JSON.stringify(msg)}`);
      done();
      resolve();
    };
    const timer = setTimeout(() => fail(`no ready signal within ${timeoutMs} ms`), timeoutMs);
    child.once('error', onError);
    child.once('exit', onExit);
    child.once('message', onMessage);
  });
}

/**
 * SIGTERM, then SIGKILL after `stopMs`; resolves once the process is gone, or `stopMs` after the
 * SIGKILL whatever happened: a stop must never hang.
 */
export function ended(child: BoardProcess, stopMs = STOP_MS): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise<void>((resolve) => {
    let giveUp: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(kill);
      clearTimeout(giveUp);
      child.off('exit', finish);
      resolve();
    };
    const kill = setTimeout(() => {
      child.kill('SIGKILL');
      giveUp = setTimeout(finish, stopMs);
    }, stopMs);
    child.once('exit', finish);
    child.kill('SIGTERM');
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let p: Promise<void> | undefined;
  return () => {
    p ??= fn();
    return p;
  };
}
