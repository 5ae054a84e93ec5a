import type { BoardVerdict } from '../checker/verdict.js';
import type { History, LatenessStats } from '../history/ops.js';
import type { ScenarioSpec } from '../spec/types.js';

export type BoardStatus = 'enabled' | 'quarantined' | 'disabled';

/** A board as the reports name it. */
export interface BoardInfo {
  id: string;
  firmware: string;
  /** The library model of a virtual board. */
  model?: string;
  tags: string[];
  status: BoardStatus;
  /** Why it is quarantined or disabled (boards.yml `reason:`). */
  reason?: string;
}

/** One scenario on one board, judged: what the run hands the reporters. */
export interface BoardResult {
  scenario: ScenarioSpec;
  board: BoardInfo;
  history: History;
  verdict: BoardVerdict;
  /** 0 for the scenario's run on all its boards; n for the n-th retry on this board alone. */
  attempt: number;
  /** Paths of this board's files, relative to the run folder (history.json, serial.log, broker.log, timeline.svg). */
  files: { history: string; serialLog: string; brokerLog: string; timeline: string };
  /** What serial.log and broker.log hold, so reporters attach them without reading files back. */
  logs: { serial: string; broker: string };
}

/** A whole `hil run`. */
export interface RunResult {
  /** ISO UTC. */
  started: string;
  /** ISO UTC. */
  finished: string;
  /** `runs/<UTC timestamp>/` under the out folder. */
  runDir: string;
  /** One per scenario and board: its last attempt. */
  results: BoardResult[];
  /** Boards boards.yml disables (`status: disabled`) that the run's filters selected: not run, with why. */
  skipped?: Array<{ board: string; reason: string }>;
  /** How late the timeline fired faults and stimuli against their schedule, over the whole run. */
  lateness?: { faults: LatenessStats; stimuli: LatenessStats };
  /** The run was stopped before its end; absent when it ran to the end (or stopped on `bail`). */
  interrupted?: RunInterrupted;
}

/** How a run was stopped: Ctrl-C, SIGTERM, or its caller's AbortSignal (no `signal`). */
export interface RunInterrupted {
  /** When the stop was asked, ISO UTC. */
  at: string;
  /** `SIGINT` or `SIGTERM`; absent when the programmatic caller aborted the run. */
  signal?: string;
}
