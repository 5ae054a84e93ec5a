import { HilError } from '../spec/errors.js';

/** How much of what the board said an error message quotes. */
const QUOTE = 200;

/**
 * Bytes received from a board, consumed by a protocol that waits for markers and counts.
 * Every wait has a timeout, and its error quotes what the board did say.
 */
export class ByteInbox {
  private buf: Buffer = Buffer.alloc(0);
  /** The last bytes received, kept after they are consumed, for error messages. */
  private recent: Buffer = Buffer.alloc(0);
  private wake: (() => void) | undefined;

  constructor(private readonly board: string) {}

  push(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    this.recent = Buffer.concat([this.recent, chunk]).subarray(-QUOTE);
    this.wake?.();
  }

  get length(): number {
    return this.buf.length;
  }

  /** Forgets what arrived so far (e.g. a running app's output). */
  clear(): void {
    this.buf = Buffer.alloc(0);
  }

  /** What the board said last, printable, for error messages. */
  said(): string {
    return this.recent.length ? JSON.stringify(this.recent.toString('latin1')) : 'nothing';
  }

  /** Resolves with the bytes before `marker` and consumes them with the marker. */
  until(marker: string | Buffer, timeoutMs: number, what: string): Promise<Buffer> {
    const m = typeof marker === 'string' ? Buffer.from(marker, 'latin1') : marker;
    return this.waitFor(
      () => {
        const at = this.buf.indexOf(m);
        if (at < 0) return undefined;
        const before = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at + m.length);
        return before;
      },
      timeoutMs,
      what,
    );
  }

  /** Resolves with exactly `n` bytes. */
  take(n: number, timeoutMs: number, what: string): Promise<Buffer> {
    return this.waitFor(
      () => {
        if (this.buf.length < n) return undefined;
        const head = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        return head;
      },
      timeoutMs,
      what,
    );
  }

  private async waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new HilError(
          'HIL_E_TIMEOUT',
          `${this.board}: no ${what} within ${timeoutMs} ms; the board said: ${this.said()}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
