import type { BoardVerdict } from '../checker/verdict.js';
import type { History, LatenessStats } from '../history/ops.js';
import type { ScenarioSpec } from '../spec/types.js';

export type BoardStatus = 'enabled' | 'quarantined' | 'disabled';

/** One scenario on one board, judged: what the runner hands the reporters. */
export interface BoardResult {
  scenario: ScenarioSpec;
  board: { id: string; firmware: string; model?: string; tags: string[]; status: BoardStatus };
  history: History;
  verdict: BoardVerdict;
  /** Paths of this board's files, relative to the run folder (history.json, serial.log, broker.log, timeline.svg). */
  files: { history: string; serialLog: string; brokerLog: string; timeline: string };
}

/** A whole `hil run`. */
export interface RunResult {
  /** ISO UTC. */
  started: string;
  /** ISO UTC. */
  finished: string;
  /** `runs/<UTC timestamp>/` under the out folder. */
  runDir: string;
  results: BoardResult[];
  /** How late the timeline fired faults and stimuli against their schedule, over the whole run. */
  lateness?: { faults: LatenessStats; stimuli: LatenessStats };
}
