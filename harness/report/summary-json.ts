import type { BoardFinding } from '../checker/findings.js';
import type { BoardVerdict, CheckVerdict, ClassVerdict, Verdict } from '../checker/verdict.js';
import { worst } from '../checker/verdict.js';
import type { LatenessStats } from '../history/ops.js';
import { cutByInterrupt } from './parts.js';
import type { BoardResult, BoardStatus, RunInterrupted, RunResult } from './run-result.js';

/**
 * One class on one board, as summary.json writes it: the checker's own verdict, field for field,
 * findings included, without what only the timeline draws (label, deadline, every message).
 */
export type SummaryClass = Omit<ClassVerdict, 'label' | 'deadline' | 'messages'>;

export type SummaryCheck = CheckVerdict;

/** One scenario on one board. */
export interface SummaryResult {
  scenario: string;
  board: string;
  verdict: Verdict;
  /** `quarantined`: shown, but its verdict never fails the run. */
  status: BoardStatus;
  /** Why it is quarantined (boards.yml `reason:`). */
  reason?: string;
  /** Does this result count towards the run's verdict? */
  counts: boolean;
  firmware: string;
  model?: string;
  tags: string[];
  seed: number;
  classes: SummaryClass[];
  checks: SummaryCheck[];
  /**
   * Who failed: `firmware` (a `fail`: the firmware broke a policy or check), `rack` (an `error`:
   * hil, the rack or the board's link could not carry the test out) or `interrupted` (an `error`:
   * the run was stopped before the scenario's end, no one's failure); absent on a pass.
   */
  failed?: Failed;
  /** What concerns the board as a whole (never ready, runner errors), as data. */
  findings: BoardFinding[];
  /** The findings' prose, line for line. */
  reasons: string[];
  /** Relative to the run folder. */
  files: { history: string; serialLog: string; brokerLog: string; timeline: string };
}

/** summary.json: the machine-readable result CI and dashboards read (docs/reports.md). */
export interface Summary {
  started: string;
  finished: string;
  /** Worst over every result that counts (quarantined boards do not). */
  verdict: Verdict;
  /** How many results had each verdict, quarantined ones included. */
  totals: Record<Verdict, number>;
  results: SummaryResult[];
  /** Disabled boards the run's filters selected: not run, with why. */
  skipped?: Array<{ board: string; reason: string }>;
  lateness?: { faults: LatenessStats; stimuli: LatenessStats };
  /** The run was stopped (Ctrl-C, SIGTERM, its caller) before its end: when, and by which signal. */
  interrupted?: RunInterrupted;
}

/** Who a result that is not a pass is down to (summary.json `failed`). */
export type Failed = 'firmware' | 'rack' | 'interrupted';

/** A quarantined board runs and is shown, but never fails the night. */
export function countsForRun(r: Pick<BoardResult, 'board'>): boolean {
  return r.board.status !== 'quarantined';
}

/** The run's verdict: worst over the results that count; a run with no result at all is `error`. */
export function runVerdict(run: Pick<RunResult, 'results'>): Verdict {
  if (run.results.length === 0) return 'error';
  return worst(...run.results.filter(countsForRun).map((r) => r.verdict.verdict));
}

export function summaryJson(run: RunResult): Summary {
  const totals: Record<Verdict, number> = { pass: 0, fail: 0, error: 0 };
  for (const r of run.results) totals[r.verdict.verdict] += 1;
  return {
    started: run.started,
    finished: run.finished,
    verdict: runVerdict(run),
    totals,
    results: run.results.map(resultOf),
    ...(run.skipped?.length && { skipped: run.skipped }),
    ...(run.lateness && { lateness: run.lateness }),
    ...(run.interrupted && { interrupted: { ...run.interrupted } }),
  };
}

function resultOf(r: BoardResult): SummaryResult {
  return {
    scenario: r.scenario.name,
    board: r.board.id,
    verdict: r.verdict.verdict,
    status: r.board.status,
    ...(r.board.reason !== undefined && { reason: r.board.reason }),
    counts: countsForRun(r),
    firmware: r.board.firmware,
    ...(r.board.model !== undefined && { model: r.board.model }),
    tags: [...r.board.tags],
    seed: r.scenario.seed,
    classes: r.verdict.classes.map((c) => ({
      class: c.class,
      policy: c.policy,
      direction: c.direction,
      verdict: c.verdict,
      emitted: c.emitted,
      delivered: c.delivered,
      lost: c.lost,
      blocked: c.blocked,
      late: c.late,
      duplicates: c.duplicates,
      latency: c.latency,
      findings: [...c.findings],
      reasons: [...c.reasons],
    })),
    checks: r.verdict.checks.map((c) => ({
      check: c.check,
      verdict: c.verdict,
      findings: [...c.findings],
      reasons: [...c.reasons],
    })),
    ...(r.verdict.verdict !== 'pass' && { failed: failedOf(r.verdict) }),
    findings: [...r.verdict.findings],
    reasons: [...r.verdict.reasons],
    files: { ...r.files },
  };
}

/**
 * Who a verdict that is not a pass is down to: `fail` is the firmware's; `error` is never the
 * firmware's: `interrupted` when the run was stopped before the scenario's end, else the rack's
 * (hil, the rack, the board's link).
 */
export function failedOf(v: Pick<BoardVerdict, 'verdict' | 'findings'>): Failed {
  if (v.verdict === 'fail') return 'firmware';
  return cutByInterrupt(v) ? 'interrupted' : 'rack';
}
