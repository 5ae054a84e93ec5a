import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { History, Op } from '../history/ops.js';

/**
 * Appends each op of one board's history to a JSON-lines file as it happens, so a crash
 * or Ctrl-C loses nothing seen so far; `finish` writes history.json from the ops.
 */
export class HistoryRecorder {
  readonly ops: Op[] = [];
  private fd: number | undefined;

  constructor(
    readonly board: string,
    private readonly jsonlPath: string,
    /** Host monotonic time of t = 0; set when every board is ready. */
    public t0 = Number.NaN,
  ) {
    this.fd = openSync(jsonlPath, 'a');
  }

  /** Records an op stamped with an absolute monotonic time (converted to t from t = 0). */
  recordAt(absolute: number, op: DistributiveOmit<Op, 't' | 'board'>): void {
    this.record({
      ...op,
      t: round(absolute - (Number.isNaN(this.t0) ? absolute : this.t0)),
      board: this.board,
    } as Op);
  }

  record(op: Op): void {
    this.ops.push(op);
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(op)}\n`);
  }

  async finish(meta: Omit<History, 'ops'>, path: string): Promise<History> {
    this.close();
    const history: History = { ...meta, ops: [...this.ops].sort((a, b) => a.t - b.t) };
    await writeFile(path, `${JSON.stringify(history, null, 1)}\n`);
    return history;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  get path(): string {
    return this.jsonlPath;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
