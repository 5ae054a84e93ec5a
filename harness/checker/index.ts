/** The checker: history + scenario policies → verdicts as findings, with their prose. Pure. */
export { type CheckerScenario, check } from './check.js';
export type {
  BoardFinding,
  CheckFinding,
  ClassFinding,
  CommandFate,
  DeliveryProblem,
  Finding,
  Level,
  Outcome,
  Unjudged,
} from './findings.js';
export { isUnjudged } from './findings.js';
export { findGaps, rangeText, type SeqGap, type SeqMark } from './gaps.js';
export { firstSettledIn, isDownAt, isSettledAt, type Link, linkOf, type Outage } from './link.js';
export { messageText, outcomeText, prose, proseOf } from './prose.js';
export type {
  BoardVerdict,
  CheckName,
  CheckVerdict,
  ClassVerdict,
  LatencyStats,
  MessageOutcome,
  Verdict,
} from './verdict.js';
export { worst } from './verdict.js';
