import { closeSync, openSync, writeSync } from 'node:fs';

/** How long a line may wait in memory before it is written, ms. */
export const FLUSH_EVERY_MS = 100;

/** Every open log (flushed at exit) and those with lines waiting (flushed by the one timer). */
const open = new Set<LineLog>();
const waiting = new Set<LineLog>();
let timer: NodeJS.Timeout | undefined;

function flushWaiting(): void {
  timer = undefined;
  for (const log of waiting) log.flush();
}

function flushAll(): void {
  for (const log of open) log.flush();
}

export interface LineLogOptions {
  /** Told once when the file cannot be written (disk full ...); the log then drops its lines. */
  onError?: (err: Error) => void;
}

/**
 * A text log written as lines arrive (serial.log, broker.log), so a crash of hil leaves it on
 * disk: lines are buffered and written with `writeSync` at most `FLUSH_EVERY_MS` after they
 * came (one timer for all logs: one write per log per tick, not one per line), and at once
 * when the process exits however it does (`process.exit`, an uncaught error; one 'exit'
 * listener for all logs). A SIGKILL loses at most the last `FLUSH_EVERY_MS` of lines.
 */
export class LineLog {
  private fd: number | undefined;
  private pending = '';

  /** Creates (truncates) `path` now; throws if it cannot be opened. */
  constructor(
    readonly path: string,
    private readonly options: LineLogOptions = {},
  ) {
    this.fd = openSync(path, 'w');
    if (open.size === 0) process.on('exit', flushAll);
    open.add(this);
  }

  /** Appends one line (a newline is added); ignored once closed. */
  write(line: string): void {
    if (this.fd === undefined) return;
    this.pending += `${line}\n`;
    waiting.add(this);
    // Unref'd: the 'exit' listener writes what a leaving process still holds.
    if (timer === undefined) timer = setTimeout(flushWaiting, FLUSH_EVERY_MS).unref();
  }

  /** Writes the lines held so far, synchronously. */
  flush(): void {
    waiting.delete(this);
    if (this.fd === undefined || this.pending === '') return;
    const bytes = Buffer.from(this.pending);
    this.pending = '';
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off);
    } catch (err) {
      this.close();
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Flushes and closes the file; safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    this.flush();
    const fd = this.fd;
    this.fd = undefined;
    open.delete(this);
    waiting.delete(this);
    if (open.size === 0) process.off('exit', flushAll);
    try {
      closeSync(fd);
    } catch {
      // Nothing left to lose: every line was written or reported.
    }
  }
}
