import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { HilError } from '../spec/errors.js';
import { LineSplitter } from './line-splitter.js';
import { type Decoded, decodeLine, MAX_LINE } from './protocol.js';

/** A line as it arrived, stamped with the host's monotonic clock. */
export interface StampedLine {
  /** Host monotonic ms (performance.now() unless a clock was injected). */
  t: number;
  /** The line's text, without its newline. */
  text: string;
  decoded: Decoded;
  /** Longer than MAX_LINE: only its head was kept. */
  cut?: boolean;
  /** Held invalid UTF-8 or NULs (replaced by U+FFFD). */
  binary?: boolean;
}

/** What went over the line, for logs and health checks. */
export interface LinkCounters {
  bytes: number;
  lines: number;
  events: number;
  console: number;
  malformed: number;
  overlong: number;
  binary: number;
  writes: number;
}

export interface LineLinkOptions {
  /** Board id, named in errors. */
  board?: string;
  /** Monotonic clock in ms; default performance.now. */
  now?: () => number;
  /** Where problems on the line are told (malformed lines, hang-up); default: nowhere. */
  log?: (msg: string) => void;
  /** How long a write may take before it fails (default 2000 ms). */
  writeTimeout?: number;
  /** Line cap in bytes (default MAX_LINE). */
  maxLine?: number;
  /** Releases the underlying port; default: destroy the stream. */
  close?: () => Promise<void>;
}

export interface LineLinkEvents {
  line: [StampedLine];
  /** The stream ended or the device went away without close() being called. */
  gone: [HilError];
}

type Stream = Readable & Partial<Pick<Writable, 'write'>>;

/**
 * A line-based link over any byte stream (a serial port, a PTY, an in-memory pair):
 * splits, stamps and decodes every line; never throws on what the board sends.
 */
export class LineLink extends EventEmitter<LineLinkEvents> {
  readonly counters: LinkCounters = {
    bytes: 0,
    lines: 0,
    events: 0,
    console: 0,
    malformed: 0,
    overlong: 0,
    binary: 0,
    writes: 0,
  };
  readonly board: string;
  readonly now: () => number;
  private readonly splitter: LineSplitter;
  private readonly log: (msg: string) => void;
  private readonly writeTimeout: number;
  private closing = false;
  private goneError: HilError | undefined;
  private lastLineAt: number;

  constructor(
    private readonly stream: Stream,
    private readonly opts: LineLinkOptions = {},
  ) {
    super();
    this.board = opts.board ?? 'board';
    this.now = opts.now ?? (() => performance.now());
    this.log = opts.log ?? (() => {});
    this.writeTimeout = opts.writeTimeout ?? 2000;
    this.splitter = new LineSplitter(opts.maxLine ?? MAX_LINE);
    this.lastLineAt = this.now();
    stream.on('data', (chunk: Buffer | string) => this.onData(chunk));
    stream.on('error', (err: Error) => this.lost(err.message));
    stream.on('end', () => this.lost('the stream ended'));
    stream.on('close', (err?: Error | boolean | null) =>
      this.lost(err instanceof Error ? err.message : 'the port closed'),
    );
  }

  /** Set once the link is gone (device unplugged, stream ended). */
  get gone(): HilError | undefined {
    return this.goneError;
  }

  /** Monotonic time of the last line (or of the link's start). */
  get lastLine(): number {
    return this.lastLineAt;
  }

  /** Feeds bytes as if they had arrived; the stream's `data` handler. */
  onData(chunk: Buffer | string): void {
    const t = this.now();
    this.counters.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    for (const l of this.splitter.push(chunk)) this.deliver(t, l.text, l.cut, l.binary);
  }

  private deliver(t: number, text: string, cut: boolean, binary: boolean): void {
    this.lastLineAt = t;
    const c = this.counters;
    c.lines++;
    if (cut) c.overlong++;
    if (binary) c.binary++;
    let decoded = decodeLine(text);
    // A cut protocol line would decode as invalid JSON: say what really happened.
    if (cut && decoded.type !== 'console')
      decoded = { type: 'malformed', line: text.slice(0, 200), why: `line longer than ${MAX_LINE} bytes` };
    if (decoded.type === 'event') c.events++;
    else if (decoded.type === 'console') c.console++;
    else {
      c.malformed++;
      this.log(`${this.board}: malformed protocol line (${decoded.why}): ${decoded.line.slice(0, 120)}`);
    }
    if (cut) this.log(`${this.board}: line longer than ${MAX_LINE} bytes cut`);
    const line: StampedLine = { t, text, decoded, ...(cut && { cut }), ...(binary && { binary }) };
    try {
      this.emit('line', line);
    } catch (err) {
      // A listener's bug must not kill the reader: the line is still counted.
      this.log(`${this.board}: line listener threw: ${(err as Error).message}`);
    }
  }

  /** Writes text; rejects with HIL_E_TIMEOUT when the port does not take it in time. */
  write(text: string, timeoutMs = this.writeTimeout): Promise<void> {
    if (this.goneError) return Promise.reject(this.goneError);
    const stream = this.stream;
    const write = stream.write?.bind(stream);
    if (this.closing || !write)
      return Promise.reject(new HilError('HIL_E_SERIAL', `${this.board}: link is closed`));
    this.counters.writes++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new HilError(
              'HIL_E_TIMEOUT',
              `${this.board}: serial write not taken within ${timeoutMs} ms (is the board reading its console?)`,
            ),
          ),
        timeoutMs,
      );
      timer.unref?.();
      write(text, (err?: Error | null) => {
        clearTimeout(timer);
        if (!err) return resolve();
        reject(this.goneError ?? new HilError('HIL_E_SERIAL', `${this.board}: write failed: ${err.message}`));
      });
    });
  }

  /** Closes the link and its port; later stream events are not a loss. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flushPartial();
    if (this.opts.close) await this.opts.close();
    else this.stream.destroy();
  }

  private flushPartial(): void {
    const rest = this.splitter.flush();
    if (rest) this.deliver(this.now(), rest.text, rest.cut, rest.binary);
  }

  private lost(why: string): void {
    if (this.closing || this.goneError) return;
    this.flushPartial();
    this.goneError = new HilError(
      'HIL_E_SERIAL_GONE',
      `${this.board}: serial line gone: ${why} (USB cable unplugged or board lost power? plug it back and rerun)`,
    );
    this.log(this.goneError.message);
    this.emit('gone', this.goneError);
  }
}
