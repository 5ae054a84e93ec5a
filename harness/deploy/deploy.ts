import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Duplex } from 'node:stream';
import type { BoardConsole } from '../board/transport.js';
import { HilError } from '../spec/errors.js';
import { makeDirs, writeFile } from './board-files.js';
import { RawRepl, type RawReplOptions } from './raw-repl.js';

export interface DeployFile {
  /** Path on this host. */
  local: string;
  /** Path on the board, e.g. main.py or lib/app.py. */
  remote: string;
}

export interface DeployOptions extends RawReplOptions {
  /** Soft-reset from the normal REPL afterwards so main.py runs (default true). */
  run?: boolean;
  /** Progress, one line per step (default: silent). */
  log?: (msg: string) => void;
}

export interface DeployResult {
  files: Array<DeployFile & { bytes: number }>;
  /** Whether the board spoke raw-paste (MicroPython 1.14+) or plain raw mode. */
  rawPaste: boolean;
  ms: number;
}

/** `FILE` or `FILE:REMOTE` as given on the command line; REMOTE defaults to the file's name. */
export function fileSpec(arg: string): DeployFile {
  const at = arg.lastIndexOf(':');
  if (at > 0 && at < arg.length - 1) return { local: arg.slice(0, at), remote: arg.slice(at + 1) };
  return { local: arg, remote: basename(arg) };
}

/**
 * Copies files to a MicroPython board over its raw REPL (as mpremote does), checks each size on
 * the board, then soft-resets so main.py starts. The app running is interrupted first. The
 * board is one the opener (`transports/open.ts`) opened: its console is opened for the deploy
 * and closed after it; the board itself keeps running.
 */
export async function deploy(
  board: BoardConsole,
  files: DeployFile[],
  opts: DeployOptions = {},
): Promise<DeployResult> {
  const loaded = await readLocal(files);
  const port = await board.open();
  try {
    return await deployOver(port.stream, loaded, { ...opts, board: opts.board ?? board.path });
  } finally {
    await port.close();
  }
}

/** The deploy itself, over any byte stream (a serial port, or an in-memory board in tests). */
export async function deployOver(
  stream: Duplex,
  files: Array<DeployFile & { data: Uint8Array }>,
  opts: DeployOptions = {},
): Promise<DeployResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const repl = new RawRepl(stream, opts);
  try {
    log('interrupting the app, entering the raw REPL');
    await repl.enter();
    const done: DeployResult['files'] = [];
    for (const f of files) {
      await makeDirs(repl, f.remote);
      const bytes = await writeFile(repl, f.remote, f.data);
      if (bytes !== f.data.length)
        throw new HilError(
          'HIL_E_SERIAL',
          `${repl.board}: ${f.remote}: wrote ${f.data.length} bytes but the board holds ${bytes} (a full filesystem?)`,
        );
      log(`${f.local} -> ${f.remote} (${bytes} bytes)`);
      done.push({ local: f.local, remote: f.remote, bytes });
    }
    if (opts.run === false) await repl.exit();
    else {
      log('soft reset: main.py starts');
      await repl.runMain();
    }
    return { files: done, rawPaste: repl.rawPaste === true, ms: Date.now() - started };
  } finally {
    repl.detach();
  }
}

async function readLocal(files: DeployFile[]): Promise<Array<DeployFile & { data: Uint8Array }>> {
  if (!files.length) throw new HilError('HIL_E_USAGE', 'no files to deploy');
  return Promise.all(
    files.map(async (f) => {
      try {
        return { ...f, data: await readFile(f.local) };
      } catch (err) {
        throw new HilError('HIL_E_USAGE', `cannot read ${f.local}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }),
  );
}
