import { MAX_LINE } from './protocol.js';

/** One line cut out of the byte stream, decoded as UTF-8 (bad bytes become U+FFFD). */
export interface SplitLine {
  text: string;
  /** The line was longer than the cap: `text` is its first `maxLine` bytes, the rest was dropped. */
  cut: boolean;
  /** The line held bytes that are not text: invalid UTF-8 or NULs. */
  binary: boolean;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * Splits bytes into lines at `\n` (a `\r` before it is dropped), holding at most `maxLine`
 * bytes of an unfinished line: a board spewing bytes without newlines never grows memory.
 */
export class LineSplitter {
  private readonly parts: Buffer[] = [];
  private held = 0;
  /** Inside an over-long line whose head was already handed out: drop bytes until its newline. */
  private skipping = false;
  private readonly strict = new TextDecoder('utf-8', { fatal: true });
  private readonly lenient = new TextDecoder('utf-8');

  constructor(private readonly maxLine: number = MAX_LINE) {}

  /** Feeds a chunk; returns the lines it completed (and the head of any line that outgrew the cap). */
  push(chunk: Buffer | Uint8Array | string): SplitLine[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    const out: SplitLine[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NL, start);
      const end = nl < 0 ? buf.length : nl;
      if (this.skipping) {
        if (nl >= 0) this.skipping = false;
      } else {
        const room = this.maxLine - this.held;
        const take = Math.min(end - start, room);
        if (take > 0) this.hold(buf.subarray(start, start + take));
        if (end - start > room) {
          // Over the cap: hand out the head now, forget the rest of this line.
          out.push(this.take(true));
          this.skipping = nl < 0;
        } else if (nl >= 0) {
          out.push(this.take(false));
        }
      }
      start = nl < 0 ? buf.length : nl + 1;
    }
    return out;
  }

  /** The unfinished line, if any (at end of stream). */
  flush(): SplitLine | undefined {
    this.skipping = false;
    return this.held > 0 ? this.take(false) : undefined;
  }

  /** Bytes held of the current unfinished line. */
  get pending(): number {
    return this.held;
  }

  private hold(part: Buffer): void {
    // Copy: the chunk's buffer may be reused by the stream.
    this.parts.push(Buffer.from(part));
    this.held += part.length;
  }

  private take(cut: boolean): SplitLine {
    let bytes = Buffer.concat(this.parts, this.held);
    this.parts.length = 0;
    this.held = 0;
    if (cut) bytes = bytes.subarray(0, charBoundary(bytes));
    else if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    let text: string;
    let binary = bytes.includes(0);
    try {
      text = this.strict.decode(bytes);
    } catch {
      binary = true;
      text = this.lenient.decode(bytes);
    }
    if (binary) text = text.replaceAll('\0', '\uFFFD');
    return { text, cut, binary };
  }
}

/** Length of `b` without a multi-byte character that the cap cut in half. */
function charBoundary(b: Buffer): number {
  for (let i = b.length - 1; i >= Math.max(0, b.length - 4); i--) {
    const byte = b[i] as number;
    if ((byte & 0xc0) !== 0x80) {
      // A lead byte: keep it only if its whole sequence fits.
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return i + need <= b.length ? b.length : i;
    }
  }
  return b.length;
}
