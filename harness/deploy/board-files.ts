import { HilError } from '../spec/errors.js';
import { parsePyBytes, pyBytes, pyStr, splitForLiterals } from './py-literal.js';
import type { RawRepl } from './raw-repl.js';

// Files on a MicroPython board through its raw REPL: open, then write in pieces, as mpremote does.

/** Writes a file (its folders must exist); resolves with its size on the board. */
export async function writeFile(repl: RawRepl, remote: string, data: Uint8Array): Promise<number> {
  let written = 0;
  try {
    await repl.exec(`f=open(${pyStr(remote)},'wb')`);
    // A full filesystem may take part of a write silently (the micro:bit does): make it an error.
    await repl.exec('def w(b):\n if f.write(b)!=len(b):raise OSError(28)');
    // rawPaste is known from here on: the first exec found out. Without it, each command
    // `w(b'...')` plus its Ctrl-D must fit the board's receive buffer.
    const pieces = repl.rawPaste
      ? chunks(data, repl.pasteChunk)
      : splitForLiterals(data, repl.maxRawCommand - 'w()'.length - 1);
    for (const piece of pieces) {
      await repl.exec(`w(${pyBytes(piece)})`);
      written += piece.length;
    }
    await repl.exec('f.close()');
  } catch (err) {
    // ENOSPC as CPython spells it, or the micro:bit's own words (raised by open() on a full disk).
    if (err instanceof HilError && /OSError: (\[Errno 28\]|28\b|no more storage space)/.test(err.message))
      throw new HilError(
        'HIL_E_BOARD',
        `${repl.board}: ${remote}: the board's filesystem is full (ENOSPC) after ${written} of ${data.length} bytes: remove files or deploy fewer`,
        { cause: err },
      );
    // The micro:bit sometimes closes the file instead of saying ENOSPC.
    if (err instanceof HilError && written > 0 && /OSError: (\[Errno 9\]|9\b)/.test(err.message))
      throw new HilError(
        'HIL_E_BOARD',
        `${repl.board}: ${remote}: the board closed the file after ${written} of ${data.length} bytes (EBADF: is its filesystem full?)`,
        { cause: err },
      );
    throw err;
  }
  try {
    return await fileSize(repl, remote);
  } catch (err) {
    throw new HilError(
      'HIL_E_BOARD',
      `${repl.board}: ${remote} is not on the board after writing it (is its filesystem full?): ${lastLine((err as Error).message)}`,
      { cause: err },
    );
  }
}

/** A file's size on the board (os.stat, or os.size on the micro:bit). */
export async function fileSize(repl: RawRepl, remote: string): Promise<number> {
  await repl.exec('import os');
  const p = pyStr(remote);
  const r = await repl.execRaw(`print(os.stat(${p})[6])`);
  const out = r.err ? await repl.exec(`print(os.size(${p}))`) : r.out;
  const n = Number.parseInt(out.trim(), 10);
  if (!Number.isFinite(n))
    throw new HilError(
      'HIL_E_SERIAL',
      `${repl.board}: size of ${remote}: unexpected answer ${JSON.stringify(out)}`,
    );
  return n;
}

/** Reads a file back. */
export async function readFile(repl: RawRepl, remote: string, chunk = 128): Promise<Buffer> {
  await repl.exec(`f=open(${pyStr(remote)},'rb')`);
  const parts: Buffer[] = [];
  for (;;) {
    const out = (await repl.exec(`print(repr(f.read(${chunk})))`)).trim();
    const part = parsePyBytes(out);
    if (part.length === 0) break;
    parts.push(part);
  }
  await repl.exec('f.close()');
  return Buffer.concat(parts);
}

/** Makes the folders above `remote` (a/b/c.py: a, a/b) where missing. */
export async function makeDirs(repl: RawRepl, remote: string): Promise<void> {
  const parts = remote.split('/').slice(0, -1).filter(Boolean);
  if (!parts.length) return;
  await repl.exec('import os');
  for (let i = 1; i <= parts.length; i++) {
    const dir = (remote.startsWith('/') ? '/' : '') + parts.slice(0, i).join('/');
    const r = await repl.execRaw(`try:\n os.mkdir(${pyStr(dir)})\nexcept OSError:\n pass`);
    if (r.err)
      throw new HilError(
        'HIL_E_BOARD',
        `${repl.board}: cannot make folder ${dir} for ${remote} (os.mkdir): ${lastLine(r.err)}`,
      );
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}

function chunks(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += size) out.push(data.subarray(at, at + size));
  return out;
}
