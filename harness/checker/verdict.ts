import type { Direction } from '../history/ops.js';
import type { PolicyName } from '../spec/policy.js';
import type { CheckSpec } from '../spec/types.js';

/** `error`: the test could not be carried out (no data, a checker that threw): never a pass. */
export type Verdict = 'pass' | 'fail' | 'error';

/** Delivery latency in ms, from emit to the first counted copy. */
export interface LatencyStats {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** One class on one board: a summary.json `classes[]` entry. */
export interface ClassVerdict {
  class: string;
  /** `none`: the history has traffic of a class the scenario gives no policy. */
  policy: PolicyName | 'none';
  direction: Direction;
  verdict: Verdict;
  /** Unique ids: emitted = delivered + lost + blocked. */
  emitted: number;
  delivered: number;
  lost: number;
  blocked: number;
  late: number;
  duplicates: number;
  latency: LatencyStats | null;
  /** One line per failing message first, then informational lines. */
  reasons: string[];
}

/** `no-hang` is the serial watchdog: always judged, never declared. */
export type CheckName = CheckSpec['check'] | 'no-hang';

export interface CheckVerdict {
  check: CheckName;
  verdict: Verdict;
  reasons: string[];
}

/** One scenario on one board: a summary.json `results[]` entry without scenario and board. */
export interface BoardVerdict {
  verdict: Verdict;
  classes: ClassVerdict[];
  checks: CheckVerdict[];
  reasons: string[];
}

const RANK: Record<Verdict, number> = { pass: 0, error: 1, fail: 2 };

/** Composition takes the worst: fail > error > pass. */
export function worst(...verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'pass');
}

export function verdictRank(v: Verdict): number {
  return RANK[v];
}
