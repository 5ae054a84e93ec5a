import type { Direction } from '../history/ops.js';
import type { BoardFinding, CheckFinding, ClassFinding, Level, Outcome } from './findings.js';

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
  /** A policy of the registry; `none`: the history has traffic of a class the scenario gives no policy. */
  policy: string;
  /** The policy with its options, e.g. `retry-within 15s, no duplicates`; `no policy`. */
  label: string;
  /** ms after its emit by which each copy is due (retry-within's D, drop's max-age), if any. */
  deadline?: number;
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
  /** One per failing message first, then informational ones: what `reasons` says, as data. */
  findings: ClassFinding[];
  /** `prose(findings)`, line for line. */
  reasons: string[];
  /** Every message of the class (emit order, then unknown ids), with what became of it. */
  messages: MessageOutcome[];
}

/** One message as judged: what the timeline draws. Times in ms from t = 0. */
export interface MessageOutcome {
  id: string;
  direction: Direction;
  /** Emit time; for an unknown id, its first copy. */
  t: number;
  noticed?: number;
  dropped?: { t: number; why: string };
  /** Counted copies (at or before the end), sorted: the judged message's own array, never changed. */
  copies: number[];
  /** t + the class's deadline, when its policy has one. */
  deadline?: number;
  outcome: Outcome;
  /** A failing finding of its class names it. */
  blamed: boolean;
}

/** A check of the registry, or `no-hang`, the serial watchdog: always judged, never declared. */
export type CheckName = string;

export interface CheckVerdict {
  check: CheckName;
  verdict: Verdict;
  findings: CheckFinding[];
  /** `prose(findings)`, line for line. */
  reasons: string[];
}

/** One scenario on one board: a summary.json `results[]` entry without scenario and board. */
export interface BoardVerdict {
  verdict: Verdict;
  classes: ClassVerdict[];
  checks: CheckVerdict[];
  /** What concerns the board as a whole (an unclear link, runner errors, a reboot that never came back). */
  findings: BoardFinding[];
  /** `prose(findings)`, line for line. */
  reasons: string[];
}

const RANK: Record<Verdict, number> = { pass: 0, error: 1, fail: 2 };

/** Composition takes the worst: fail > error > pass. */
export function worst(...verdicts: Verdict[]): Verdict {
  return worstOf(verdicts);
}

function worstOf(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'pass');
}

/** The verdict a set of findings gives: the worst of their levels (`info` passes). */
export function verdictOf(findings: ReadonlyArray<{ level: Level }>): Verdict {
  // No spread: a soak can give more findings than a call takes arguments.
  return worstOf(findings.map((f) => (f.level === 'info' ? 'pass' : f.level)));
}

export function verdictRank(v: Verdict): number {
  return RANK[v];
}
