import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openPtyPair } from '../../board/pty-pair.js';
import { HilError } from '../../spec/errors.js';
import { killOnExit } from '../../spec/exit-guard.js';
import { ended } from '../launcher.js';
import type { BoardFile } from './board.js';

export interface UnixPortOptions {
  board: string;
  /** The user's unix-port `micropython` binary. */
  binary: string;
  files: BoardFile[];
  log?: (line: string) => void;
}

export interface UnixPortBoard {
  /** The host end of its PTY. */
  path: string;
  /** Kills the interpreter and starts it again on the same PTY: a power cycle. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A unix-port MicroPython binary as a board: its files in a folder of their own (`lib/` on
 * MICROPYPATH), `main.py` run with the device end of a PTY as its console. Its sockets are the
 * host's: it has no `network` or `machine`, so its WiFi faults are `wifi: proxy` and `reset`
 * is a restart of the process.
 */
export async function startUnixPortBoard(opts: UnixPortOptions): Promise<UnixPortBoard> {
  const log = opts.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), `hil-mpy-${opts.board}-`));
  try {
    for (const f of opts.files) {
      const to = join(dir, f.remote.replace(/^\/+/, ''));
      await mkdir(dirname(to), { recursive: true });
      await copyFile(f.local, to).catch((err: Error) => {
        throw new HilError('HIL_E_CONFIG', `board "${opts.board}": cannot copy ${f.local}: ${err.message}`);
      });
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const pty = await openPtyPair();
  const start = (): ChildProcess => {
    const fd = openSync(pty.device, 'r+');
    const child = spawn(opts.binary, ['main.py'], {
      cwd: dir,
      env: { ...process.env, MICROPYPATH: `.frozen:${join(dir, 'lib')}:${dir}` },
      stdio: [fd, fd, 'pipe'],
    });
    closeSync(fd);
    killOnExit(child);
    child.on('error', (err) => log(`[${opts.board}] ${opts.binary}: ${err.message}`));
    child.stderr?.on('data', (b: Buffer) => log(`[${opts.board}] ${b.toString().trimEnd()}`));
    return child;
  };
  let child = start();
  let stopping: Promise<void> | undefined;
  return {
    path: pty.host,
    restart: async () => {
      await ended(child);
      child = start();
    },
    stop: () => {
      stopping ??= (async () => {
        await ended(child);
        await pty.close();
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
