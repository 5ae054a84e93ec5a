import type { History, Op } from './ops.js';

/**
 * One board's ops in time order (appends keep their order at equal times). Ops of another
 * board (a shared recording) are left out. A recording is appended in time order, so the sort
 * is skipped when the ops already are; when they also are all this board's, they are given as
 * they are (the history's own array, read only), not copied.
 */
export function boardOps(history: Pick<History, 'board' | 'ops'>): readonly Op[] {
  const { board, ops } = history;
  let sorted = true;
  for (let i = 0; i < ops.length && sorted; i++) {
    const op = ops[i] as Op;
    sorted = op.board === board && (i === 0 || op.t - (ops[i - 1] as Op).t >= 0);
  }
  if (sorted) return ops;
  const mine = ops.filter((op) => op.board === board);
  sorted = true;
  for (let i = 1; i < mine.length && sorted; i++) sorted = (mine[i] as Op).t - (mine[i - 1] as Op).t >= 0;
  if (sorted) return mine;
  return mine
    .map((op, i) => ({ op, i }))
    .sort((a, b) => a.op.t - b.op.t || a.i - b.i)
    .map(({ op }) => op);
}
