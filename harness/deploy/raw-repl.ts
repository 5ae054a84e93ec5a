import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { HilError } from '../spec/errors.js';
import { ByteInbox } from './byte-inbox.js';

const CTRL_A = '\x01';
const CTRL_B = '\x02';
const CTRL_C = '\x03';
const CTRL_D = '\x04';
const BANNER = 'raw REPL; CTRL-B to exit\r\n>';
/** What old firmware prints when it does not know raw-paste: the banner again, after "ra". */
const BANNER_TAIL = 'w REPL; CTRL-B to exit\r\n>';

export interface RawReplOptions {
  /** Board id, named in errors. */
  board?: string;
  /** How long each step may take (default 10 s; QEMU and slow boards want more). */
  timeoutMs?: number;
  /** Try raw-paste mode first (default true); old firmware falls back to plain raw mode by itself. */
  rawPaste?: boolean;
  /**
   * Plain raw mode has no flow control: a command longer than the board's receive buffer can lose
   * bytes while the board is busy (a garbage collection). File writes are cut so each command,
   * Ctrl-D included, is at most this long (default 60: the micro:bit's buffer holds 63 bytes).
   */
  maxRawCommand?: number;
  /** Plain raw mode: longer code is written in pieces of maxRawCommand bytes, this many ms apart (default 10). */
  pieceDelayMs?: number;
  /** Bytes of file data per command in raw-paste mode, which has flow control (default 256). */
  pasteChunk?: number;
}

/**
 * MicroPython's raw REPL, the protocol mpremote speaks: interrupt, raw mode, raw-paste with
 * its flow control (or plain raw mode on firmware older than 1.14), execute, read the output.
 * It takes any byte stream: a serial port, a PTY, an in-memory pair in tests.
 */
export class RawRepl {
  readonly board: string;
  /** Known after the first exec: true when the board speaks raw-paste. */
  rawPaste: boolean | undefined;
  private readonly inbox: ByteInbox;
  private readonly timeoutMs: number;
  /** Longest command in plain raw mode, Ctrl-D included. */
  readonly maxRawCommand: number;
  /** Bytes of file data per command in raw-paste mode. */
  readonly pasteChunk: number;
  private readonly pieceDelayMs: number;
  private readonly onData = (b: Buffer) => this.inbox.push(b);

  constructor(
    private readonly stream: Duplex,
    opts: RawReplOptions = {},
  ) {
    this.board = opts.board ?? 'board';
    this.inbox = new ByteInbox(this.board);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.rawPaste = opts.rawPaste === false ? false : undefined;
    this.maxRawCommand = opts.maxRawCommand ?? 60;
    this.pieceDelayMs = opts.pieceDelayMs ?? 10;
    this.pasteChunk = opts.pasteChunk ?? 256;
    stream.on('data', this.onData);
  }

  /** Stops listening to the stream (which stays open: its owner closes it). */
  detach(): void {
    this.stream.off('data', this.onData);
  }

  /**
   * Interrupts whatever runs and enters raw mode; then, unless `softReset` is false, soft-resets
   * there: a fresh heap, and main.py does not run.
   */
  async enter(softReset = true): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    // An app may catch the first Ctrl-C: interrupt again until the raw prompt shows.
    for (;;) {
      this.inbox.clear();
      await this.write(`\r${CTRL_C}${CTRL_C}\r${CTRL_A}`);
      const left = deadline - Date.now();
      try {
        await this.inbox.until(BANNER, Math.min(1500, Math.max(left, 1)), 'raw REPL prompt');
        break;
      } catch (err) {
        if (Date.now() >= deadline)
          throw new HilError(
            'HIL_E_TIMEOUT',
            `${this.board}: the board did not enter the raw REPL within ${this.timeoutMs} ms (is this MicroPython, at this baud rate?); it said: ${this.inbox.said()}`,
            { cause: err },
          );
      }
    }
    if (softReset) await this.softReset();
  }

  /** Soft-resets from raw mode: a fresh heap, and main.py does not run. */
  async softReset(): Promise<void> {
    await this.write(CTRL_D);
    await this.inbox.until('soft reboot\r\n', this.timeoutMs, 'soft reboot in the raw REPL');
    await this.inbox.until(BANNER, this.timeoutMs, 'raw REPL prompt after the soft reboot');
  }

  /** Runs code; resolves with what it printed, rejects with HIL_E_BOARD and its traceback if it raised. */
  async exec(code: string, timeoutMs = this.timeoutMs): Promise<string> {
    const { out, err } = await this.execRaw(code, timeoutMs);
    if (err)
      throw new HilError(
        'HIL_E_BOARD',
        `${this.board}: ${firstLine(code)} failed on the board: ${err.trim()}`,
      );
    return out;
  }

  /** Runs code; resolves with its standard output and its error output (a traceback). */
  async execRaw(code: string, timeoutMs = this.timeoutMs): Promise<{ out: string; err: string }> {
    const data = Buffer.from(code, 'utf8');
    if (!(await this.tryPaste(data))) await this.sendPlain(data);
    const out = await this.inbox.until(CTRL_D, timeoutMs, `end of output of ${firstLine(code)}`);
    const err = await this.inbox.until(CTRL_D, timeoutMs, `end of error output of ${firstLine(code)}`);
    await this.inbox.until('>', this.timeoutMs, 'raw REPL prompt');
    return { out: out.toString('utf8'), err: err.toString('utf8') };
  }

  /** Leaves raw mode and soft-resets from the normal REPL, so boot.py and main.py run. */
  async runMain(): Promise<void> {
    await this.write(`\r${CTRL_B}`);
    await this.inbox.until('>>> ', this.timeoutMs, 'normal REPL prompt');
    await this.write(CTRL_D);
    await this.inbox.until('soft reboot', this.timeoutMs, 'soft reboot');
  }

  /** Leaves raw mode for the normal REPL. */
  async exit(): Promise<void> {
    await this.write(`\r${CTRL_B}`);
  }

  /** Raw-paste: returns false when the board does not speak it (then plain raw mode follows). */
  private async tryPaste(data: Buffer): Promise<boolean> {
    if (this.rawPaste === false) return false;
    await this.write('\x05A\x01');
    const head = (await this.inbox.take(2, this.timeoutMs, 'answer to raw-paste')).toString('latin1');
    if (head === 'R\x01') {
      const window = (await this.inbox.take(2, this.timeoutMs, 'raw-paste window size')).readUInt16LE(0);
      this.rawPaste = true;
      await this.pasteWrite(data, window);
      return true;
    }
    this.rawPaste = false;
    // R\x00: known and refused. Anything else ("ra"): firmware before 1.14 took \x01 for "enter
    // raw mode" and printed its banner again; wait for the end of it.
    if (head !== 'R\x00')
      await this.inbox.until(BANNER_TAIL, this.timeoutMs, 'raw REPL prompt after raw-paste was refused');
    return false;
  }

  private async pasteWrite(data: Buffer, window: number): Promise<void> {
    let credit = window;
    let at = 0;
    while (at < data.length) {
      // Read flow control: \x01 grants another window, \x04 ends the paste early.
      while (credit === 0 || this.inbox.length > 0) {
        const b = (await this.inbox.take(1, this.timeoutMs, 'raw-paste flow control'))[0];
        if (b === 0x01) credit += window;
        else if (b === 0x04) {
          await this.write(CTRL_D);
          return;
        } else
          throw new HilError(
            'HIL_E_SERIAL',
            `${this.board}: unexpected byte 0x${(b as number).toString(16)} during raw-paste; the board said: ${this.inbox.said()}`,
          );
      }
      const n = Math.min(credit, data.length - at);
      await this.write(data.subarray(at, at + n));
      credit -= n;
      at += n;
    }
    await this.write(CTRL_D);
    await this.inbox.until(CTRL_D, this.timeoutMs, 'end of raw-paste acknowledgement');
  }

  private async sendPlain(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += this.maxRawCommand) {
      // No flow control here: pace long code so a busy board's receive buffer keeps up.
      if (at > 0) await sleep(this.pieceDelayMs);
      await this.write(data.subarray(at, at + this.maxRawCommand));
    }
    await this.write(CTRL_D);
    const ok = (await this.inbox.take(2, this.timeoutMs, 'OK after the command')).toString('latin1');
    if (ok !== 'OK')
      throw new HilError(
        'HIL_E_SERIAL',
        `${this.board}: the board did not take the command; it said: ${this.inbox.said()}`,
      );
  }

  private write(data: string | Uint8Array): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve, reject) => {
      this.stream.write(buf, (err?: Error | null) =>
        err
          ? reject(
              new HilError('HIL_E_SERIAL', `${this.board}: write failed: ${err.message}`, { cause: err }),
            )
          : resolve(),
      );
    });
  }
}

function firstLine(code: string): string {
  const line = code.split('\n')[0] as string;
  return line.length > 40 ? `${line.slice(0, 40)}...` : line;
}
