import type { History, Op } from './ops.js';

/**
 * One board's ops in time order (appends keep their order at equal times). Ops of another
 * board (a shared recording) are left out.
 */
export function boardOps(history: Pick<History, 'board' | 'ops'>): Op[] {
  return history.ops
    .map((op, i) => ({ op, i }))
    .filter(({ op }) => op.board === history.board)
    .sort((a, b) => a.op.t - b.op.t || a.i - b.i)
    .map(({ op }) => op);
}
