import type { ScenarioProgress } from '../spec/progress.js';
import type { ScenarioSpec } from '../spec/types.js';
import type { BoardInfo, BoardResult, RunResult } from './run-result.js';

/** A stream a reporter writes text to (stdout, stderr, or a test's sink). */
export type TextOut = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** One scenario as planned: what it is, the boards it runs on, how long its timeline is. */
export interface PlannedScenario {
  scenario: ScenarioSpec;
  boards: BoardInfo[];
  /** The timeline's length with its drain, ms. */
  endMs: number;
}

/** What a run is about to do, given to `onRunStart`. */
export interface RunInfo {
  /** The run's stamp, e.g. `2026-11-22T01-00-00Z` (also its folder's name). */
  runId: string;
  /** ISO UTC. */
  started: string;
  /** The out folder (`--out`). */
  out: string;
  /** `<out>/runs/<runId>`: where the run's files go. */
  runDir: string;
  /** The rack file's name without `.yml`: the top of the Allure tree. */
  rackName: string;
  /** In the order they will run. */
  scenarios: PlannedScenario[];
  /** A failing counted board's scenario is run again on it alone, up to this many times. */
  retries: number;
  /** Per-board time allowed for presenting a result once it exists (mocha's test timeout), ms. */
  timeoutMs: number;
}

/** How the run ended, given to `onRunEnd` beside the result. */
export interface RunEnd {
  /** Ctrl-C, SIGTERM or the caller's signal stopped it: not every scenario ran. */
  interrupted: boolean;
  /**
   * Where earlier reporters put their outputs, by kind (`summary`: summary.json's path, `html`:
   * the HTML report's index or how to build it). onRunEnd hooks run in the reporters' order, so
   * the console table, last, can point at the others.
   */
  outputs: Record<string, string>;
}

/**
 * A run's observer, as in vitest and mocha: every hook is optional and may be async. The run
 * calls them in order, one at a time (a hook never overlaps another of any reporter), and
 * awaits them all before it returns. Reporters receive data only: they never reach the rack.
 * A hook that throws is reported on stderr and the run goes on.
 */
export interface Reporter {
  onRunStart?(run: RunInfo): void | Promise<void>;
  /** A scenario starts on these boards (attempt 0: all its boards; n: the n-th retry on one). */
  onScenarioStart?(scenario: ScenarioSpec, boards: BoardInfo[], attempt: number): void | Promise<void>;
  /** About once a second while a scenario runs; not awaited in order (progress is only a view). */
  onProgress?(progress: ScenarioProgress): void;
  /** One board judged, once per attempt. */
  onResult?(result: BoardResult): void | Promise<void>;
  /** Every scenario has run (or the run was interrupted); `run.results` holds each board's last attempt. */
  onRunEnd?(run: RunResult, end: RunEnd): void | Promise<void>;
}

/** What a reporter's factory may use: the run's text streams and the out folder. */
export interface ReporterContext {
  stdout: TextOut;
  stderr: TextOut;
  /** The out folder (`--out`). */
  out: string;
}
