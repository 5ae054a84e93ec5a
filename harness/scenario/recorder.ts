import { writeFile } from 'node:fs/promises';
import type { History, Op } from '../history/ops.js';
import { LineLog } from './line-log.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An op without its board, stamped with the host's absolute monotonic time. */
export type RawOp = DistributiveOmit<Op, 'board'>;

/**
 * One board's history as it happens. Each op is appended to a JSON-lines file as it comes
 * (absolute monotonic times, and a `t0` line when every board is ready) through a LineLog:
 * a crash or Ctrl-C loses nothing seen so far, a SIGKILL at most its last 100 ms. Not a
 * write per op: at 100 boards those writes made the timeline late. `finish` writes
 * history.json with t relative to t0.
 */
export class HistoryRecorder {
  private readonly raw: Op[] = [];
  private readonly log: LineLog;
  private t0 = Number.NaN;

  constructor(
    readonly board: string,
    readonly jsonlPath: string,
  ) {
    this.log = new LineLog(jsonlPath);
  }

  record(op: RawOp): void {
    const full = { ...op, board: this.board } as Op;
    this.raw.push(full);
    this.append(full);
  }

  /** t = 0 on the host clock; ops before it get negative times. */
  setT0(t0: number): void {
    this.t0 = t0;
    this.append({ t0 });
  }

  get started(): boolean {
    return !Number.isNaN(this.t0);
  }

  /** The ops so far with t relative to t0 (or to the first op when there is no t0). */
  ops(): Op[] {
    const base = this.started ? this.t0 : (this.raw[0]?.t ?? 0);
    return this.raw.map((o) => ({ ...o, t: round(o.t - base) })).sort((a, b) => a.t - b.t);
  }

  async finish(meta: Omit<History, 'ops'>, path: string): Promise<History> {
    this.close();
    const history: History = { ...meta, ops: this.ops() };
    await writeFile(path, `${JSON.stringify(history, null, 1)}\n`);
    return history;
  }

  close(): void {
    this.log.close();
  }

  private append(value: unknown): void {
    this.log.write(JSON.stringify(value));
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
