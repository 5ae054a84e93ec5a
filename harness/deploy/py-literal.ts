/**
 * Python literals for code sent to a MicroPython REPL: bytes as `b'...'` (ASCII only, so
 * every MicroPython version parses them alike) and back from what `repr()` prints.
 */

const ESC: Record<number, string> = { 92: '\\\\', 39: "\\'", 10: '\\n', 13: '\\r', 9: '\\t' };

function escapeByte(b: number): string {
  const e = ESC[b];
  if (e) return e;
  if (b >= 0x20 && b < 0x7f) return String.fromCharCode(b);
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** How many characters byte `b` takes inside a bytes literal. */
export function escapedLength(b: number): number {
  return escapeByte(b).length;
}

/** `b'...'` for these bytes. */
export function pyBytes(data: Uint8Array): string {
  let s = "b'";
  for (const b of data) s += escapeByte(b);
  return `${s}'`;
}

/** A Python str literal (for file names); non-ASCII characters stay as they are (sent as UTF-8). */
export function pyStr(text: string): string {
  let s = "'";
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    s += c < 0x80 ? escapeByte(c) : ch;
  }
  return `${s}'`;
}

/**
 * Splits `data` into pieces whose `b'...'` literal is at most `maxLiteral` characters
 * (at least one byte per piece, whatever the limit).
 */
export function splitForLiterals(data: Uint8Array, maxLiteral: number): Uint8Array[] {
  const room = Math.max(maxLiteral - 3, 1);
  const pieces: Uint8Array[] = [];
  let start = 0;
  while (start < data.length) {
    let len = 0;
    let end = start;
    while (end < data.length) {
      const n = escapedLength(data[end] as number);
      if (len + n > room && end > start) break;
      len += n;
      end++;
    }
    pieces.push(data.subarray(start, end));
    start = end;
  }
  return pieces;
}

/** Parses one `b'...'` or `b"..."` literal as MicroPython's repr() prints it. */
export function parsePyBytes(literal: string): Buffer {
  const m = /^b(['"])([\s\S]*)\1$/.exec(literal.trim());
  if (!m) throw new Error(`not a bytes literal: ${literal.slice(0, 60)}`);
  const body = m[2] as string;
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out.push(c.charCodeAt(0) & 0xff);
      continue;
    }
    const n = body[++i];
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, '\\': 92, "'": 39, '"': 34, '0': 0 };
    if (n === 'x') {
      out.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (n !== undefined && n in simple) out.push(simple[n] as number);
    else throw new Error(`unknown escape \\${n} in bytes literal`);
  }
  return Buffer.from(out);
}
