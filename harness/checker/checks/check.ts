import type { CheckSpec } from '../../spec/types.js';
import type { BoardView } from '../board-view.js';
import type { Verdict } from '../verdict.js';

export interface CheckOutcome {
  verdict: Verdict;
  /** One line per failure first, then informational lines. */
  reasons: string[];
}

export type CheckOf<N extends CheckSpec['check']> = Extract<CheckSpec, { check: N }>;

/** A board-health check: a pure function of the board's ops. */
export type HealthCheck<N extends CheckSpec['check']> = (spec: CheckOf<N>, view: BoardView) => CheckOutcome;

export function outcome(failures: string[], info: string[] = []): CheckOutcome {
  return { verdict: failures.length ? 'fail' : 'pass', reasons: [...failures, ...info] };
}
