import type { History, Op } from '../history/ops.js';
import type { ScenarioSpec } from '../spec/types.js';
import { type Link, linkOf } from './link.js';

/** The scenario keys the checker reads. */
export type CheckerScenario = Pick<
  ScenarioSpec,
  'policies' | 'checks' | 'settle' | 'tolerance' | 'duration' | 'drain'
>;

/** One board's ops, sorted, with the link and the end worked out once. */
export interface BoardView {
  board: string;
  ops: readonly Op[];
  link: Link;
  /** max(duration, last fault end) + drain. */
  end: number;
  tolerance: number;
}

export function boardView(history: History, scenario: CheckerScenario): BoardView {
  // Ops of another board (a shared recording) are not this board's business.
  const ops = history.ops
    .map((op, i) => ({ op, i }))
    .filter(({ op }) => op.board === history.board)
    .sort((a, b) => a.op.t - b.op.t || a.i - b.i)
    .map(({ op }) => op);
  const link = linkOf(ops, scenario.tolerance);
  let lastFaultEnd = 0;
  for (const op of ops)
    if (op.kind === 'fault' && op.phase === 'end') lastFaultEnd = Math.max(lastFaultEnd, op.t);
  for (const o of link.outages) if (Number.isFinite(o.end)) lastFaultEnd = Math.max(lastFaultEnd, o.end);
  const end = Math.max(scenario.duration, lastFaultEnd) + scenario.drain;
  return { board: history.board, ops, link, end, tolerance: scenario.tolerance };
}
