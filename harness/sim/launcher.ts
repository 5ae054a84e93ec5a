import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openPtyPair, type PtyPair } from '../board/pty-pair.js';
import { HilError } from '../spec/errors.js';
import type { BoardSpec } from '../spec/types.js';
import { isModelName, type ModelOptionValue, modelOptions } from './model-options.js';
import { optionProblems } from './options-check.js';
import type { VirtualBoardSpec } from './virtual-board.js';

export interface VirtualBoardHandle {
  /** The host end of the PTY pair: open it with serialport, as /dev/ttyACM0. */
  path: string;
  pid: number;
  /** Ends the board process and the PTY pair; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where the board's MQTT client connects: normally its Toxiproxy proxy. */
  broker: { host: string; port: number };
  /** The board process's own diagnostics (not its serial console). */
  log?: (line: string) => void;
  /** Option overrides (a scenario's `models:` key) over the board's own. */
  options?: Record<string, ModelOptionValue>;
}

const READY_MS = 20_000;
const STOP_MS = 2_000;

/** Starts one virtual board: a PTY pair and, on its device end, a board process. */
export async function startVirtualBoard(board: BoardSpec, opts: StartOptions): Promise<VirtualBoardHandle> {
  const v = board.virtual;
  if (!v) throw new HilError('HIL_E_CONFIG', `board "${board.id}" is not virtual: it has no \`virtual\` key`);
  const model = v.model;
  if (!isModelName(model))
    throw new HilError('HIL_E_CONFIG', `board "${board.id}": no virtual model "${model}"`);
  const options = modelOptions(model, v.options, opts.options);
  const problems = optionProblems(model, options);
  if (problems.length > 0) throw new HilError('HIL_E_CONFIG', `board "${board.id}": ${problems.join('; ')}`);

  const pty = await openPtyPair();
  let child: ChildProcess;
  try {
    const spec: VirtualBoardSpec = {
      board: board.id,
      fw: board.firmware,
      model,
      options,
      broker: opts.broker,
      device: pty.device,
      baud: board.baud,
    };
    const { command, args } = entry();
    child = spawn(command, [...args, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  } catch (err) {
    await pty.close();
    throw err;
  }
  const log = opts.log ?? (() => {});
  for (const out of [child.stdout, child.stderr])
    if (out) createInterface({ input: out }).on('line', (line) => log(`[${board.id}] ${line}`));
  const stop = once(() => stopBoard(child, pty));

  try {
    await ready(child, board.id);
  } catch (err) {
    await stop();
    throw err;
  }
  child.on('exit', (code, signal) => log(`[${board.id}] board process exited (${signal ?? code})`));
  return { path: pty.host, pid: child.pid as number, stop };
}

/** The board process's command: the .ts entry through tsx, or the built .js. */
function entry(): { command: string; args: string[] } {
  const ext = extname(fileURLToPath(import.meta.url));
  const file = fileURLToPath(new URL(`./virtual-board${ext}`, import.meta.url));
  // Resolved from here, so the board starts whatever the current directory is.
  const tsx = () => pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const loader = ext === '.ts' ? ['--import', tsx()] : [];
  return { command: process.execPath, args: [...loader, file] };
}

function ready(child: ChildProcess, id: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new HilError('HIL_E_BOARD', `virtual board "${id}" did not start: ${why}`));
    };
    const timer = setTimeout(() => fail(`no ready signal within ${READY_MS} ms`), READY_MS);
    child.once('error', (err) => fail(err.message));
    child.once('exit', (code, signal) => fail(`process exited (${signal ?? code}); see its log`));
    child.once('message', (msg) => {
      if ((msg as { ready?: unknown }).ready !== true)
        return fail(`unexpected message ${JSON.stringify(msg)}`);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve();
    });
  });
}

async function stopBoard(child: ChildProcess, pty: PtyPair): Promise<void> {
  try {
    await ended(child);
  } finally {
    await pty.close();
  }
}

/** SIGTERM, then SIGKILL if it lingers; resolves once the process is gone. */
function ended(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
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
