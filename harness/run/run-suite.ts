import { basename, join, relative } from 'node:path';
import { check } from '../checker/index.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/schema-check.js';
import { loadSuite } from '../config/suite.js';
import type { History } from '../history/ops.js';
import type { PlannedScenario, Reporter, RunInfo, TextOut } from '../report/reporter.js';
import { isReporterName, makeReporters, REPORTER_NAMES } from '../report/reporters.js';
import type { BoardInfo, BoardResult, RunInterrupted, RunResult } from '../report/run-result.js';
import { planRun, type ScenarioPlan } from '../scenario/plan.js';
import { openRack, type RackServices } from '../scenario/rack.js';
import { quarantineStamp } from '../scenario/recovery.js';
import { type BoardLogs, runScenario, type ScenarioRun } from '../scenario/runner.js';
import { latenessStats } from '../scenario/stats.js';
import { EXIT } from '../spec/errors.js';
import { loginProblems } from '../spec/mqtt-login.js';
import type { BoardSpec, RackSpec } from '../spec/types.js';
import { exitCode } from './exit-code.js';
import { prepareRunFolder, runStamp } from './folder.js';
import { onInterrupt } from './interrupt.js';
import { nothingToRun } from './nothing-to-run.js';
import { type RunOptions, resolveRunOptions } from './options.js';
import { preflight } from './preflight.js';
import { ReporterHub } from './reporter-hub.js';

export interface RunSuiteIo {
  /** Instead of the reporters `options.reporter` names (the registry's). */
  reporters?: Reporter[];
  /** Aborting it stops the run as Ctrl-C does (faults healed, what was recorded reported, 130). */
  signal?: AbortSignal;
  /** Ctrl-C and SIGTERM stop the run, a second Ctrl-C exits the process (default true). */
  handleSignals?: boolean;
  /** Where the console table goes (default process.stdout). */
  stdout?: TextOut;
  /** Where messages and progress go (default process.stderr). */
  stderr?: TextOut;
  /** Runner's debug lines (default: stderr when HIL_DEBUG is set). */
  log?: (line: string) => void;
}

export interface SuiteRun {
  /** 0 every counted board passed, 1 a check failed, 2 bad input, 3 the rack failed or a board could not be judged, 130 interrupted. */
  exitCode: number;
  /** Absent when nothing ran (bad input, the rack could not be opened). */
  result?: RunResult;
}

/**
 * `hil run` as a function: loads the rack and the scenarios, plans, opens the rack, runs each
 * scenario on all its boards at once (retrying a failing counted board alone, stopping early on
 * `bail` or an interrupt), judges every history and hands each result to the reporters. Bad
 * input is said on stderr (exit 2); the rack failing to open too (exit 3). Throws only on a bug.
 */
export async function runSuite(given: Partial<RunOptions>, io: RunSuiteIo = {}): Promise<SuiteRun> {
  const o = resolveRunOptions(given);
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const log =
    io.log ??
    ((line: string) => {
      if (process.env.HIL_DEBUG) stderr.write(`${line}\n`);
    });

  for (const name of o.reporter) {
    if (!isReporterName(name)) {
      stderr.write(
        `hil run: --reporter: no reporter "${name}"${hintOf(didYouMean(name, REPORTER_NAMES) ?? `reporters: ${REPORTER_NAMES.join(', ')}`)}\n`,
      );
      return { exitCode: EXIT.badInput };
    }
  }
  const planned = await planFromFiles(o, stderr);
  if (!planned) return { exitCode: EXIT.badInput };
  const { rack, plans } = planned;
  // Passwords from the environment are read now (hil validate does not need them).
  const unset = loginProblems(rack.boards);
  if (unset.length) {
    for (const p of unset) stderr.write(`hil run: ${p}\n`);
    return { exitCode: EXIT.badInput };
  }
  const selected = [...new Map(plans.flatMap((p) => p.boards.map((b) => [b.board.id, b.board]))).values()];
  const problems = await preflight(rack, selected);
  if (problems.length) {
    for (const p of problems) stderr.write(`hil run: the rack cannot run: ${p}\n`);
    return { exitCode: EXIT.rackFailed };
  }

  const started = new Date();
  const runDir = await prepareRunFolder(o.out, started);
  const boardCount = new Set(plans.flatMap((p) => p.boards.map((b) => b.board.id))).size;
  const total = plans.reduce((n, p) => n + p.end, 0);
  stderr.write(
    `hil run: ${plans.length} scenario(s) on ${boardCount} board(s), ${minutes(total)} of timeline and drain; results in ${runDir}\n`,
  );

  // Made before the rack: the rack must know the run is stopping (see OpenRackOptions.signal).
  const abort = new AbortController();
  let services: RackServices;
  try {
    services = await openRack(rack, {
      toxiproxyLog: join(runDir, 'toxiproxy.log'),
      notice: (line) => stderr.write(`hil run: ${line}\n`),
      signal: abort.signal,
    });
  } catch (e) {
    stderr.write(`hil run: the rack failed: ${(e as Error).message}\n`);
    return { exitCode: EXIT.rackFailed };
  }

  const names = o.report ? o.reporter : o.reporter.filter((n) => n !== 'html');
  const hub = new ReporterHub(io.reporters ?? makeReporters(names, { stdout, stderr, out: o.out }), stderr);
  // When and how the run was stopped, for summary.json and the console (onInterrupt's reason is the signal).
  let interrupted: RunInterrupted | undefined;
  abort.signal.addEventListener(
    'abort',
    () => {
      const reason: unknown = abort.signal.reason;
      interrupted = {
        at: new Date().toISOString(),
        ...((reason === 'SIGINT' || reason === 'SIGTERM') && { signal: reason }),
      };
    },
    { once: true },
  );
  const stopOnCaller = () => abort.abort();
  io.signal?.addEventListener('abort', stopOnCaller, { once: true });
  if (io.signal?.aborted) abort.abort();
  const offSignals = io.handleSignals === false ? () => {} : onInterrupt(abort, stderr);

  const runId = runStamp(started);
  const run: RunResult = { started: started.toISOString(), finished: '', runDir, results: [] };
  const skipped = disabledBoards(rack, o);
  if (skipped.length) run.skipped = skipped;
  for (const sk of skipped) stderr.write(`hil run: skipping board ${sk.board}: ${sk.reason}\n`);
  const results = new Map<string, BoardResult>();
  const lateness = { faults: [] as number[], stimuli: [] as number[] };
  /** Boards no reset brought back: `error` for the rest of the run, every other board untouched. */
  const quarantined = new Map<string, string>();
  const info: RunInfo = {
    runId,
    started: run.started,
    out: o.out,
    runDir,
    rackName: basename(o.boards, '.yml'),
    scenarios: plans.map(plannedScenario),
    retries: o.retries,
    timeoutMs: o.timeoutMs,
  };

  /** One run of `plan` (all its boards, or one board on a retry), judged and reported. */
  const attempt = async (plan: ScenarioPlan, n: number): Promise<BoardResult[]> => {
    const scenarioDir = join(runDir, plan.scenario.name);
    const dir = n === 0 ? scenarioDir : join(scenarioDir, `retry-${n}`);
    await hub.call('onScenarioStart', plan.scenario, plan.boards.map(boardInfo), n);
    let outcome: Pick<ScenarioRun, 'histories' | 'logs'>;
    try {
      const ran = await runScenario({
        plan,
        services,
        dir,
        runId,
        epoch: Math.floor(started.getTime() / 1000),
        signal: abort.signal,
        skip: quarantined,
        onProgress: (p) => hub.progress(p),
        log,
      });
      for (const [id, why] of ran.unrecoverable) {
        const said = `${quarantineStamp(new Date())} in ${plan.scenario.name}: ${why}`;
        quarantined.set(id, said);
        stderr.write(`hil run: board ${id} ${said}; it is error for the rest of the run\n`);
      }
      lateness.faults.push(...ran.latenessMs.faults);
      lateness.stimuli.push(...ran.latenessMs.stimuli);
      outcome = ran;
    } catch (e) {
      // The runner itself failed (the rack went away): every board of it is an error, not a gap.
      const why = (e as Error).message;
      stderr.write(`hil run: ${plan.scenario.name}: the runner failed: ${why}\n`);
      outcome = { histories: plan.boards.map((b) => unrecorded(plan, b.board, why)), logs: new Map() };
    }
    const judged: BoardResult[] = [];
    for (const history of outcome.histories) {
      const spec = plan.boards.find((b) => b.board.id === history.board)!.board;
      const file = (f: string) => relative(runDir, join(dir, history.board, f));
      const result: BoardResult = {
        scenario: plan.scenario,
        board: boardInfo({ board: spec }),
        history,
        verdict: check(history, plan.scenario),
        attempt: n,
        files: {
          history: file('history.json'),
          serialLog: file('serial.log'),
          brokerLog: file('broker.log'),
          timeline: file('timeline.svg'),
        },
        logs: outcome.logs.get(history.board) ?? NO_LOGS,
      };
      results.set(`${plan.scenario.name}\0${history.board}`, result);
      judged.push(result);
      // Awaited: summary.json and junit.xml are on disk before the run goes on.
      await hub.call('onResult', result);
    }
    return judged;
  };

  try {
    await hub.call('onRunStart', info);
    for (const plan of plans) {
      if (abort.signal.aborted) break;
      const first = await attempt(plan, 0);
      const last = new Map(first.map((r) => [r.board.id, r]));
      for (const { board } of plan.boards) {
        const retry = () =>
          failing(last.get(board.id)) && !quarantined.has(board.id) && !abort.signal.aborted;
        for (let n = 1; n <= o.retries && retry(); n++) {
          const [again] = await attempt(onlyOn(plan, board.id), n);
          if (again) last.set(board.id, again);
          else break;
        }
      }
      if (o.bail && [...last.values()].some(failing)) break;
    }
  } finally {
    offSignals();
    io.signal?.removeEventListener('abort', stopOnCaller);
    await services.close();
    run.results = [...results.values()];
    run.finished = new Date().toISOString();
    run.lateness = { faults: latenessStats(lateness.faults), stimuli: latenessStats(lateness.stimuli) };
    if (interrupted) run.interrupted = interrupted;
    await hub.call('onRunEnd', run, { interrupted: abort.signal.aborted, outputs: {} });
  }
  return { exitCode: abort.signal.aborted ? 130 : exitCode(run), result: run };
}

/** Disabled boards that `--board`/`--tag` would otherwise have run: said, never silently dropped. */
function disabledBoards(rack: RackSpec, o: RunOptions): Array<{ board: string; reason: string }> {
  return rack.boards
    .filter((b) => b.status === 'disabled')
    .filter(
      (b) =>
        (o.board.length === 0 || o.board.includes(b.id)) &&
        (o.tag.length === 0 || b.tags.some((t) => o.tag.includes(t))),
    )
    .map((b) => ({
      board: b.id,
      reason: `status: disabled in boards.yml${b.reason ? ` (${b.reason})` : ''}`,
    }));
}

const NO_LOGS: BoardLogs = { serial: '', broker: '' };

/** A counted board whose verdict is not a pass: what `retries` retries and `bail` stops on. */
function failing(r: BoardResult | undefined): boolean {
  return r !== undefined && r.board.status !== 'quarantined' && r.verdict.verdict !== 'pass';
}

/** The scenario's plan narrowed to one board: its stimuli, and the faults that act on it. */
function onlyOn(plan: ScenarioPlan, boardId: string): ScenarioPlan {
  return {
    ...plan,
    boards: plan.boards.filter((b) => b.board.id === boardId),
    stimuli: plan.stimuli.filter((s) => s.board === boardId),
    faults: plan.faults.map((f) => ({ ...f, boards: f.boards.filter((b) => b === boardId) })),
  };
}

function boardInfo({ board }: { board: BoardSpec }): BoardInfo {
  return {
    id: board.id,
    firmware: board.firmware,
    model: board.virtual?.model,
    tags: board.tags,
    status: board.status,
    ...(board.reason !== undefined && { reason: board.reason }),
  };
}

function plannedScenario(plan: ScenarioPlan): PlannedScenario {
  return { scenario: plan.scenario, boards: plan.boards.map(boardInfo), endMs: plan.end };
}

/** The history of a board whose scenario the runner could not run: nothing recorded, and why. */
function unrecorded(plan: ScenarioPlan, board: BoardSpec, why: string): History {
  return {
    scenario: plan.scenario.name,
    board: board.id,
    firmware: board.firmware,
    model: board.virtual?.model,
    startedAt: new Date().toISOString(),
    duration: plan.scenario.duration,
    drain: plan.scenario.drain,
    end: plan.end,
    notReady: `the runner failed: ${why}`,
    ops: [],
  };
}

/** Loads and plans; says what is wrong on stderr and returns undefined on bad input. */
async function planFromFiles(
  o: RunOptions,
  stderr: TextOut,
): Promise<{ rack: RackSpec; plans: ScenarioPlan[] } | undefined> {
  const suite = await loadSuite(o.boards, o.scenarios);
  for (const d of suite.diagnostics) stderr.write(`${formatDiagnostic(d)}\n`);
  if (suite.diagnostics.length || !suite.rack) return undefined;
  const ids = suite.rack.boards.map((b) => b.id);
  for (const id of o.board) {
    if (!ids.includes(id)) {
      stderr.write(
        `hil run: no board "${id}" in ${o.boards}${hintOf(didYouMean(id, ids) ?? `boards: ${ids.join(', ')}`)}\n`,
      );
      return undefined;
    }
  }
  let grep: RegExp | undefined;
  try {
    grep = o.grep ? new RegExp(o.grep) : undefined;
  } catch (e) {
    stderr.write(`hil run: --grep: ${(e as Error).message}\n`);
    return undefined;
  }
  const plans = planRun(suite.rack, suite.scenarios, { boardIds: o.board, tags: o.tag, grep });
  if (plans.length === 0) {
    const why = nothingToRun(suite.rack, suite.scenarios, { board: o.board, tag: o.tag, grep });
    stderr.write(`hil run: nothing to run: ${why}\n`);
    return undefined;
  }
  return { rack: suite.rack, plans };
}

function hintOf(hint: string | undefined): string {
  return hint ? ` (${hint})` : '';
}

/** `45 s`, `1 min 30 s`, `12 min`: a plan's length as the run header says it (ms in). */
export function minutes(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
}
