/** The checker: history + scenario policies → verdicts with reasons. Pure. */
export { type CheckerScenario, check } from './check.js';
export { findGaps, rangeText, type SeqGap, type SeqMark } from './gaps.js';
export { firstSettledIn, isDownAt, isSettledAt, type Link, linkOf, type Outage } from './link.js';
export type {
  BoardVerdict,
  CheckName,
  CheckVerdict,
  ClassVerdict,
  LatencyStats,
  Verdict,
} from './verdict.js';
export { worst } from './verdict.js';
