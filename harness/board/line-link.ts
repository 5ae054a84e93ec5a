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

/**
 * How long a lost port that can come back (a USB device unplugged, a native-USB board's CDC
 * port re-enumerating at reset) is waited for before it is gone: re-enumeration takes 1–3 s,
 * a hub power cycle a few more; longer is a person with the cable in hand.
 */
export const SERIAL_AWAY_MS = 10_000;
/** Between tries to reopen a port that went away. */
export const REOPEN_EVERY_MS = 200;

/** A port opened (again): its stream and how to release it. */
export interface LinkPort {
  stream: LinkStream;
  close(): Promise<void>;
  /**
   * Writes what the port takes at once, without waiting (bytes written; 0 when it would block).
   * A line op then costs a system call, not a trip through the thread pool: at an instant when
   * every board of a rack gets an op, that trip per board is what made the last one late.
   */
  writeNow?(data: Buffer): number;
}

/** How a link finds its port again after it went away. */
export interface Reopener {
  /** Opens the port again; rejects while it is not back. */
  open(): Promise<LinkPort>;
  /** Where the port is waited for, in messages: `at /dev/ttyACM0`, `as usb 2e8a:0005 (last at /dev/ttyACM0)`. */
  what(): string;
  /** Where it was opened last (a USB identity may come back at a new path). */
  at(): string;
}

/** The port came back after `awayMs` (host ms), at `at`. */
export interface PortBack {
  awayMs: number;
  at: string;
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
  /** Writes to the port at once when it can (see LinkPort.writeNow). */
  writeNow?: (data: Buffer) => number;
  /** Releases the underlying port; default: destroy the stream. */
  close?: () => Promise<void>;
  /**
   * Given, a lost port is `away`, not gone: it is reopened every `reopenEveryMs` for up to
   * `awayMs`, then `back` on the new stream, or `gone` when it did not come back.
   */
  reopen?: Reopener;
  /** Default SERIAL_AWAY_MS. */
  awayMs?: number;
  /** Default REOPEN_EVERY_MS. */
  reopenEveryMs?: number;
}

export interface LineLinkEvents {
  line: [StampedLine];
  /** The stream ended or the device went away without close() being called (and, with `reopen`, did not come back). */
  gone: [HilError];
  /** The port went away and is being waited for (only with `reopen`); the error says why, in HIL_E_SERIAL. */
  away: [HilError];
  /** The port that was away is open again: lines flow from the new stream. */
  back: [PortBack];
}

/** What a link reads (and writes, when it can). */
export type LinkStream = Readable & Partial<Pick<Writable, 'write'>>;

/**
 * A line-based link over any byte stream (a serial port, a PTY, an in-memory pair):
 * splits, stamps and decodes every line; never throws on what the board sends. With `reopen`,
 * a port that goes away is waited for (bounded) and the link goes on over the new stream.
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
  /** The open port; undefined while away (and once closed). */
  private port: LinkPort | undefined;
  private detach: () => void = () => {};
  private awayError: HilError | undefined;
  private awaySince = 0;
  /** Settles when the port is back (resolves) or gone or the link closed (rejects). */
  private present: { promise: Promise<void>; resolve(): void; reject(err: HilError): void } | undefined;
  private reopening: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    stream: LinkStream,
    private readonly opts: LineLinkOptions = {},
  ) {
    super();
    this.board = opts.board ?? 'board';
    this.now = opts.now ?? (() => performance.now());
    this.log = opts.log ?? (() => {});
    this.writeTimeout = opts.writeTimeout ?? 2000;
    this.splitter = new LineSplitter(opts.maxLine ?? MAX_LINE);
    this.lastLineAt = this.now();
    this.attach({
      stream,
      close: async () => {
        if (opts.close) await opts.close();
        else stream.destroy();
      },
      ...(opts.writeNow && { writeNow: opts.writeNow }),
    });
  }

  /** Set once the link is gone (device unplugged and not back, stream ended). */
  get gone(): HilError | undefined {
    return this.goneError;
  }

  /** Set while the port is away and waited for (HIL_E_SERIAL, saying so). */
  get away(): HilError | undefined {
    return this.awayError;
  }

  /** Monotonic time of the last line (or of the link's start). */
  get lastLine(): number {
    return this.lastLineAt;
  }

  /** Resolves at once while the port is open, when it is back while away; rejects once gone or closed. */
  ready(): Promise<void> {
    if (this.goneError) return Promise.reject(this.goneError);
    if (this.closing) return Promise.reject(this.closedError());
    return this.present?.promise ?? Promise.resolve();
  }

  private attach(port: LinkPort): void {
    const { stream } = port;
    const onData = (chunk: Buffer | string) => this.onData(chunk);
    const onError = (err: Error) => this.lost(err.message);
    const onEnd = () => this.lost('the stream ended');
    const onClose = (err?: Error | boolean | null) =>
      this.lost(err instanceof Error ? err.message : 'the port closed');
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('end', onEnd);
    stream.on('close', onClose);
    this.port = port;
    this.detach = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', onError);
      // A late error from the dead stream must not crash the process.
      stream.on('error', () => {});
    };
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

  /**
   * Writes text; resolves, once the port took it, with the host time (ms, this link's clock) just
   * before the write began. Rejects with HIL_E_TIMEOUT when the port does not take it in time.
   * While the port is away the write waits for it to come back (then the timeout starts), and
   * rejects with the gone error if it does not. A port that is there is written in the caller's
   * turn.
   */
  async write(text: string, timeoutMs = this.writeTimeout): Promise<number> {
    if (this.present) await this.ready();
    if (this.goneError) throw this.goneError;
    const stream = this.port?.stream;
    const write = stream?.write?.bind(stream);
    if (this.closing || !write) throw this.closedError();
    this.counters.writes++;
    const t = this.now();
    // Straight to the port when nothing is queued before it (order kept); the rest, if any, queued.
    const now = this.port?.writeNow;
    if (now && (stream as { writableLength?: number }).writableLength === 0) {
      const bytes = Buffer.from(text);
      let n: number;
      try {
        n = now(bytes);
      } catch (err) {
        throw (
          this.goneError ??
          new HilError('HIL_E_SERIAL', `${this.board}: write failed: ${(err as Error).message}`)
        );
      }
      if (n < bytes.length) await this.queued(write, bytes.subarray(n), timeoutMs);
      return t;
    }
    await this.queued(write, text, timeoutMs);
    return t;
  }

  private queued(
    write: (chunk: string | Buffer, cb: (err?: Error | null) => void) => boolean,
    text: string | Buffer,
    timeoutMs: number,
  ): Promise<void> {
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
        reject(
          this.goneError ??
            this.awayError ??
            new HilError('HIL_E_SERIAL', `${this.board}: write failed: ${err.message}`),
        );
      });
    });
  }

  /** Closes the link and its port (or stops waiting for it); later stream events are not a loss. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.flushPartial();
    this.present?.reject(this.closedError());
    this.wake?.();
    // A try under way ends on its own (a port it opens after this is closed at once): wait a little for it.
    if (this.reopening) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.reopening, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
    }
    const port = this.port;
    this.port = undefined;
    if (port) await port.close();
  }

  private closedError(): HilError {
    return new HilError('HIL_E_SERIAL', `${this.board}: link is closed`);
  }

  private flushPartial(): void {
    const rest = this.splitter.flush();
    if (rest) this.deliver(this.now(), rest.text, rest.cut, rest.binary);
  }

  private lost(why: string): void {
    if (this.closing || this.goneError || this.awayError) return;
    this.flushPartial();
    const reopen = this.opts.reopen;
    if (!reopen) {
      this.goneError = new HilError(
        'HIL_E_SERIAL_GONE',
        `${this.board}: serial line gone: ${why} (USB cable unplugged or board lost power? plug it back and rerun)`,
      );
      this.log(this.goneError.message);
      this.emit('gone', this.goneError);
      return;
    }
    const withinMs = this.opts.awayMs ?? SERIAL_AWAY_MS;
    this.awaySince = this.now();
    this.awayError = new HilError(
      'HIL_E_SERIAL',
      `${this.board}: serial port ${reopen.at()} went away: ${why}; waiting up to ${secs(withinMs)} for it to come back`,
    );
    let resolve: () => void = () => {};
    let reject: (err: HilError) => void = () => {};
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may be waiting: an unheard rejection must not crash the process.
    promise.catch(() => {});
    this.present = { promise, resolve, reject };
    const dead = this.port;
    this.port = undefined;
    this.detach();
    this.log(this.awayError.message);
    this.emit('away', this.awayError);
    this.reopening = this.waitForPort(reopen, why, withinMs, dead);
  }

  /** Tries to reopen every `reopenEveryMs` until `withinMs` has passed: then `back` or `gone`. */
  private async waitForPort(reopen: Reopener, why: string, withinMs: number, dead?: LinkPort): Promise<void> {
    // Release the dead port first (its fd would hold the device node).
    await dead?.close().catch(() => {});
    const every = this.opts.reopenEveryMs ?? REOPEN_EVERY_MS;
    const until = performance.now() + withinMs;
    for (;;) {
      // A port that just vanished may still be listed for a moment: try after a pause.
      const left = until - performance.now();
      await new Promise<void>((res) => {
        const timer = setTimeout(res, Math.max(0, Math.min(every, left)));
        this.wake = () => {
          clearTimeout(timer);
          res();
        };
      });
      this.wake = undefined;
      if (this.closing) return;
      const port = await reopen.open().catch(() => undefined);
      if (this.closing) {
        await port?.close().catch(() => {});
        return;
      }
      if (port) return this.cameBack(port, reopen);
      if (performance.now() >= until) break;
    }
    this.goneError = new HilError(
      'HIL_E_SERIAL_GONE',
      `${this.board}: serial port went away (${why}) and did not come back within ${secs(withinMs)} ${reopen.what()} (USB cable unplugged or board lost power? plug it back and rerun)`,
    );
    this.awayError = undefined;
    const present = this.present;
    this.present = undefined;
    this.log(this.goneError.message);
    this.emit('gone', this.goneError);
    present?.reject(this.goneError);
  }

  private cameBack(port: LinkPort, reopen: Reopener): void {
    const awayMs = Math.round(this.now() - this.awaySince);
    this.awayError = undefined;
    const present = this.present;
    this.present = undefined;
    this.attach(port);
    this.log(`${this.board}: serial port back at ${reopen.at()} after ${awayMs} ms`);
    this.emit('back', { awayMs, at: reopen.at() });
    present?.resolve();
  }
}

/** `10 s`, `1.5 s`, `300 ms`. */
function secs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}
