import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openPtyPair } from '../board/pty-pair.js';
import { HilError } from '../spec/errors.js';
import { killOnExit } from '../spec/exit-guard.js';
import type { BoardSpec, VirtualSpec } from '../spec/types.js';
import type { HostMessage, HostRequest } from './board-host.js';
import { isModelName, type ModelOptionValue, modelOptions } from './model-options.js';
import { optionProblems } from './options-check.js';
import type { VirtualBoardSpec } from './virtual-board.js';

export interface VirtualBoardHandle {
  /** The host end of the PTY pair: open it with serialport, as /dev/ttyACM0. */
  path: string;
  /** The board host process the board runs in (shared with up to `perProcess` − 1 others). */
  pid: number;
  /** Stops the board, closes the PTY pair, and ends the host once it runs no board; bounded, safe to call twice. */
  stop(): Promise<void>;
  /** Stops the board and starts it again on the same PTY, in the same host while that lives: a power cycle (a new boot). */
  restart(): Promise<void>;
}

export interface StartOptions {
  /** Where the board's MQTT client connects: normally its Toxiproxy proxy. */
  broker: { host: string; port: number };
  /** The board's diagnostics (not its serial console), and its host process's. */
  log?: (line: string) => void;
  /** Option overrides (a scenario's `models:` key) over the board's own. */
  options?: Record<string, ModelOptionValue>;
  /** How long the board may take to say it is ready, in ms (default 20 s; tests). */
  readyTimeoutMs?: number;
  /** Connect only after a `config` op (see AgentSpec.waitForConfig); hil's runs set it. */
  waitForConfig?: boolean;
  /** At most this many boards share one host process (default: HIL_BOARDS_PER_PROCESS, else 16). */
  perProcess?: number;
}

const READY_MS = 20_000;
/** SIGTERM, then SIGKILL after STOP_MS; after as long again stop() gives up waiting. */
const STOP_MS = 2_000;
/**
 * Boards per host process by default: a rack of 100 then needs 7 processes (~0.5 GiB and ~1.6 s
 * of start CPU, against 7 GiB and 23 s with one each), while a stuck or crashed host takes at
 * most 16 boards with it and a 2-core machine still runs two hosts' loops at once.
 */
export const DEFAULT_PER_PROCESS = 16;

/** What the launcher needs of a board. */
export type VirtualBoardOf = Pick<BoardSpec, 'id' | 'firmware' | 'baud'>;

/**
 * How many boards may share a host process: `perProcess`, else the environment's
 * HIL_BOARDS_PER_PROCESS, else 16 (1: a process per board). HIL_E_CONFIG unless a whole number ≥ 1.
 */
export function boardsPerProcess(perProcess?: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = perProcess ?? env.HIL_BOARDS_PER_PROCESS;
  if (raw === undefined || raw === '') return DEFAULT_PER_PROCESS;
  const k = Number(raw);
  if (!Number.isInteger(k) || k < 1)
    throw new HilError(
      'HIL_E_CONFIG',
      `boards per process (HIL_BOARDS_PER_PROCESS) must be a whole number ≥ 1, not ${JSON.stringify(raw)}`,
    );
  return k;
}

/**
 * Starts one virtual board: a PTY pair and, on its device end, a board of `virtual`'s model in
 * a board host process (the first with a free slot, else a new one). HIL_E_CONFIG for an
 * unknown model or a bad option (before any PTY is made); HIL_E_BOARD, with the PTY closed,
 * when the board does not say it is ready in time or its host dies first.
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
  const perProcess = boardsPerProcess(opts.perProcess);

  const entry = await boardEntry();
  const pty = await openPtyPair();
  const spec: VirtualBoardSpec = {
    board: board.id,
    fw: board.firmware,
    model,
    options,
    broker: opts.broker,
    ...(opts.waitForConfig && { waitForConfig: true }),
    device: pty.device,
    baud: board.baud,
  };
  const log = opts.log ?? (() => {});
  const readyMs = opts.readyTimeoutMs ?? READY_MS;
  let host: BoardHost | undefined;
  let key = '';
  let pid = 0;
  /** Stops the board in its host and gives its slot back (the host ends with its last board). */
  const leave = async () => {
    const h = host;
    host = undefined;
    if (h) await h.remove(key);
  };
  const stop = once(async () => {
    try {
      await leave();
    } finally {
      await pty.close();
    }
  });
  const boot = async (into: BoardHost) => {
    host = into;
    pid = into.pid;
    key = into.add(board.id, log);
    try {
      await into.startBoard(key, spec, readyMs);
    } catch (err) {
      await stop();
      throw err;
    }
  };
  await boot(place(perProcess, entry));
  return {
    path: pty.host,
    get pid() {
      return pid;
    },
    stop,
    restart: async () => {
      // The PTY pair stays: the host end keeps its port open, as across a real power cycle.
      const h = host;
      if (h?.alive) {
        await h.stopBoard(key);
        h.forget(key);
        // Its slot was kept: the board comes back in the same host, unless that died meanwhile.
        if (h.alive) return boot(h);
      }
      await leave();
      await boot(place(perProcess, entry));
    },
  };
}

let hostCount = 0;
/** Hosts that take boards; a host leaves this list when it dies or is ending. */
const hosts: BoardHost[] = [];

/** A host for one more board: the first live one with a free slot, else a new one. Takes the slot. */
function place(perProcess: number, entry: BoardEntry): BoardHost {
  let host = hosts.find((h) => h.alive && h.slots < perProcess);
  if (!host) {
    host = new BoardHost(entry, ++hostCount, (h) => {
      const i = hosts.indexOf(h);
      if (i >= 0) hosts.splice(i, 1);
    });
    hosts.push(host);
  }
  host.slots++;
  return host;
}

/** A board in a host, as the launcher knows it. */
interface Hosted {
  id: string;
  log: (line: string) => void;
  /** Takes the host's answer to this board's pending request, or the news of its death. */
  reply?: (msg: HostMessage | { died: string }) => void;
}

/**
 * One board host process (board-host.ts) and the boards placed in it. Every wait on it is
 * bounded; when it dies, every board in it is told, by name, and a pending start fails.
 */
class BoardHost {
  readonly child: ChildProcess;
  /** Boards placed here (starting, up, restarting or stopping), each holding a slot. */
  slots = 0;
  readonly #boards = new Map<string, Hosted>();
  /** Keys whose start was sent and not yet stopped: only those need a stop. */
  readonly #sent = new Set<string>();
  readonly #up: Promise<void>;
  #ending = false;
  #died: string | undefined;
  #keys = 0;

  constructor(
    entry: BoardEntry,
    private readonly n: number,
    private readonly unlist: (h: BoardHost) => void,
  ) {
    this.child = spawn(entry.command, entry.args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    killOnExit(this.child);
    // Kept for the process's life: an unheard `error` would take the harness down.
    this.child.on('error', (err) => this.#hostLog(`board host process error: ${err.message}`));
    for (const out of [this.child.stdout, this.child.stderr])
      if (out) createInterface({ input: out }).on('line', (line) => this.#hostLog(line));
    this.#up = ready(this.child, '', READY_MS, `board host process ${this.child.pid}`);
    this.#up.catch(() => {});
    this.child.on('message', (msg: HostMessage) => this.#message(msg));
    this.child.once('exit', (code, signal) => this.#exited(`${signal ?? code}`));
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  /** Takes boards and answers: neither dead nor ending. */
  get alive(): boolean {
    return this.#died === undefined && !this.#ending;
  }

  /** Registers a board (its slot is already taken); returns the key of this start of it. */
  add(id: string, log: (line: string) => void): string {
    const key = `${id}#${++this.#keys}`;
    this.#boards.set(key, { id, log });
    return key;
  }

  /** Resolves when the board says ready; HIL_E_BOARD after `readyMs` (ms), or when it or its host fails. */
  startBoard(key: string, spec: VirtualBoardSpec, readyMs: number): Promise<void> {
    const b = this.#boards.get(key) as Hosted;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (why?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        b.reply = undefined;
        if (why === undefined) resolve();
        else reject(new HilError('HIL_E_BOARD', `virtual board "${b.id}" did not start: ${why}`));
      };
      // A ready after this is ignored (no reply is waiting); the caller stops the board.
      const timer = setTimeout(() => settle(`no ready signal within ${readyMs} ms`), readyMs);
      b.reply = (msg) => {
        if ('died' in msg) settle(`its board host process ${this.pid} exited (${msg.died}); see its log`);
        else if ('error' in msg) settle(msg.error);
        else if ('ready' in msg) settle();
      };
      this.#up.then(
        () => {
          if (settled) return;
          if (!this.alive) return settle(`its board host process ${this.pid} is gone`);
          this.#sent.add(key);
          this.#send({ op: 'start', key, spec });
        },
        (err: Error) => settle(err.message),
      );
    });
  }

  /**
   * Stops one board; its slot stays taken. Resolves when the host says it stopped, at once when
   * its start was never sent or the host is gone. A host that does not answer within STOP_MS is
   * stuck: it is ended, and its other boards with it.
   */
  async stopBoard(key: string): Promise<void> {
    const b = this.#boards.get(key);
    if (!b || !this.#sent.delete(key) || this.#died !== undefined) return;
    const answered = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        b.reply = undefined;
        resolve(false);
      }, STOP_MS);
      b.reply = (msg) => {
        if (!('stopped' in msg) && !('died' in msg)) return;
        clearTimeout(timer);
        b.reply = undefined;
        resolve(true);
      };
      this.#send({ op: 'stop', key });
    });
    if (!answered) {
      b.log(`[${b.id}] board host process ${this.pid} did not stop it within ${STOP_MS} ms: ending the host`);
      await this.#end();
    }
  }

  /** Forgets a stopped board's key; its slot stays taken. */
  forget(key: string): void {
    this.#boards.delete(key);
  }

  /** Stops one board and gives its slot back; the host ends with its last board. */
  async remove(key: string): Promise<void> {
    await this.stopBoard(key);
    this.#boards.delete(key);
    this.slots--;
    if (this.slots <= 0) await this.#end();
  }

  async #end(): Promise<void> {
    if (!this.#ending) {
      this.#ending = true;
      this.unlist(this);
    }
    await ended(this.child);
  }

  #send(msg: HostRequest): void {
    if (this.child.connected) this.child.send(msg);
  }

  #message(msg: HostMessage): void {
    if (!('key' in msg)) {
      if ('log' in msg) this.#hostLog(msg.log);
      return;
    }
    const b = this.#boards.get(msg.key);
    if (!b) return;
    if ('log' in msg) b.log(`[${b.id}] ${msg.log}`);
    else if ('down' in msg) b.log(`[${b.id}] board stopped: ${msg.down}`);
    else b.reply?.(msg);
  }

  #exited(why: string): void {
    this.#died = why;
    this.unlist(this);
    // Boards still in it (a crash, a kill, a stuck host ended) are down: say which, to each.
    const boards = [...this.#boards.values()];
    if (boards.length > 0) {
      const names = boards.map((b) => b.id).join(', ');
      for (const b of boards)
        b.log(
          `[${b.id}] board host process ${this.pid} (host ${this.n}) exited (${why}): its boards are down: ${names}`,
        );
    }
    for (const b of boards) b.reply?.({ died: why });
  }

  /** The host's own lines, once to each distinct log of the boards in it. */
  #hostLog(line: string): void {
    const logs = new Set([...this.#boards.values()].map((b) => b.log));
    for (const log of logs) log(`[board host ${this.pid}] ${line}`);
  }
}

/** The board host process's command: built JS when it is current (dist/, or this file is built), else the .ts through tsx. */
export interface BoardEntry {
  command: string;
  args: string[];
}

let entryOnce: Promise<BoardEntry> | undefined;

/**
 * How a board host process starts, decided once per process: from sources, tsx compiles it at
 * every start (about twice the CPU and memory of built JS), so a current dist/ is preferred.
 */
export function boardEntry(): Promise<BoardEntry> {
  entryOnce ??= (async () => {
    const here = fileURLToPath(import.meta.url);
    if (extname(here) === '.js')
      return { command: process.execPath, args: [join(dirname(here), 'board-host.js')] };
    const root = new URL('../../', import.meta.url);
    const { distStale } = (await import(new URL('bin/dist-state.js', root).href)) as {
      distStale(root: URL): string | undefined;
    };
    if (distStale(root) === undefined)
      return {
        command: process.execPath,
        args: [fileURLToPath(new URL('dist/harness/sim/board-host.js', root))],
      };
    // Resolved from here, so the host starts whatever the current directory is.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { command: process.execPath, args: ['--import', tsx, join(dirname(here), 'board-host.ts')] };
  })();
  return entryOnce;
}

/** The part of a ChildProcess that starting and stopping a board uses (tests pass a fake). */
export type BoardProcess = Pick<ChildProcess, 'once' | 'off' | 'kill' | 'pid' | 'exitCode' | 'signalCode'>;

/**
 * Resolves on the process's `{ ready: true }` message; rejects with HIL_E_BOARD (`<what> did
 * not start: why`) on a timeout (ms), an error, an exit or another message. Removes only its own
 * listeners, whenever it settles: a ready that comes late must not take away the `exit`
 * listener stop() waits on.
 */
export function ready(
  child: BoardProcess,
  id: string,
  timeoutMs: number,
  what = `virtual board "${id}"`,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('error', onError);
      child.off('exit', onExit);
      child.off('message', onMessage);
    };
    const fail = (why: string) => {
      done();
      reject(new HilError('HIL_E_BOARD', `${what} did not start: ${why}`));
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
