import { boardOps } from '../history/board-ops.js';
import { faultSpans, judgedEnd } from '../history/fault-spans.js';
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
  const ops = boardOps(history);
  const paired = faultSpans(ops);
  const link = linkOf(ops, scenario.tolerance, paired);
  const end = judgedEnd(ops, scenario.duration, scenario.drain, paired);
  return { board: history.board, ops, link, end, tolerance: scenario.tolerance };
}
