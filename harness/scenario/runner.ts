import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRecord } from '../broker/records.js';
import { applyFault, closeConfirmations, healAll, healFault } from '../faults/actions.js';
import type { FaultContext, FaultHandle, FaultPhase } from '../faults/context.js';
import { runHook } from '../faults/hooks.js';
import type { History, LatenessStats } from '../history/ops.js';
import { monotonic, sleepUntil } from '../spec/clock.js';
import type { ScenarioProgress } from '../spec/progress.js';
import { BoardDriver } from './board-driver.js';
import { defaultStartConcurrency, mapLimited } from './bring-up.js';
import { brokerOps, clientIdOf, topicPrefix } from './broker-ops.js';
import { watchHelpers } from './helper-watch.js';
import { LineLog } from './line-log.js';
import type { PlannedFault, ScenarioPlan, Stimulus } from './plan.js';
import type { RackServices } from './rack.js';
import { latenessStats } from './stats.js';
import { runTimeline, type TimelineEvent } from './timeline.js';

export interface RunScenarioOptions {
  plan: ScenarioPlan;
  services: RackServices;
  /** This scenario's folder; each board gets a subfolder. */
  dir: string;
  runId: string;
  /** Down traffic's epoch: changes every run so a board can tell a new run's seq 1 from an old one. */
  epoch: number;
  signal?: AbortSignal;
  readyTimeoutMs?: number;
  /**
   * Boards left out of this scenario, with why (hil quarantined them earlier in the run): each is
   * `error` with that reason, never started.
   */
  skip?: ReadonlyMap<string, string>;
  /** How many boards are brought up at once (default: two per core). */
  startConcurrency?: number;
  onProgress?: (p: ScenarioProgress) => void;
  progressEveryMs?: number;
  log?: (line: string) => void;
}

export interface ScenarioRun {
  histories: History[];
  lateness: { faults: LatenessStats; stimuli: LatenessStats };
  /** Every lateness measured, ms, so a whole run can take its percentiles (a p99 of p99s is not one). */
  latenessMs: { faults: number[]; stimuli: number[] };
  /** Each board's serial.log and broker.log as written, by board id (reporters attach them). */
  logs: Map<string, BoardLogs>;
  /** Boards that failed their health check and that no reset brought back, with why: quarantine them. */
  unrecoverable: Map<string, string>;
  /** Runner problems (a fault that could not be applied or healed), also recorded per board. */
  errors: string[];
  aborted: boolean;
}

export interface BoardLogs {
  serial: string;
  broker: string;
}

/**
 * Runs one scenario on all its boards at once: bring every board up, then the timeline
 * (stimuli and faults on schedule), the final heal, the drain; one history per board. On
 * abort or crash, faults are healed and what was recorded so far is written.
 */
export async function runScenario(opts: RunScenarioOptions): Promise<ScenarioRun> {
  const { plan, services } = opts;
  // Toxiproxy not answering (and not restartable): the whole scenario is error, said once, at once.
  const helpers = await watchHelpers(services, opts.signal);
  const name = plan.scenario.name;
  const clock = monotonic;
  const startedAt = new Date();
  await Promise.all(plan.boards.map((b) => mkdir(join(opts.dir, b.board.id), { recursive: true })));

  const ids = new Set(plan.boards.map((b) => b.board.id));
  // Written as records arrive: a crash of hil leaves each board's broker.log on disk.
  const brokerLog = new Map<string, LineLog>(
    plan.boards.map((b) => [
      b.board.id,
      new LineLog(join(opts.dir, b.board.id, 'broker.log'), {
        onError: (err) => opts.log?.(`[${name}] ${b.board.id}/broker.log: ${err.message}`),
      }),
    ]),
  );
  const drivers = new Map<string, BoardDriver>();
  const pending = new Map<string, Set<string>>(plan.boards.map((b) => [b.board.id, new Set()]));
  const activeFaults = new Map<string, string[]>(plan.boards.map((b) => [b.board.id, []]));
  let t0 = Number.NaN;

  const unsubscribe = services.broker.onRecord((record) => {
    const hit = brokerOps(record, ids);
    if (!hit) return;
    for (const op of hit.ops) {
      drivers.get(hit.board)?.record(op);
      if (op.kind === 'delivered') pending.get(hit.board)?.delete(op.id);
    }
    brokerLog.get(hit.board)?.write(formatRecord(record, t0));
  });

  /** Where the timeline ends and the drain begins, ms from t0. */
  const drainFrom = plan.end - plan.scenario.drain;
  const progress = (phase: ScenarioProgress['phase']) => {
    const elapsedMs = Number.isNaN(t0) ? 0 : Math.max(0, clock.now() - t0);
    // Timeline or drain is told by the clock: the timeline's last event may come before its end.
    const shown =
      phase === 'timeline' || phase === 'drain' ? (elapsedMs < drainFrom ? 'timeline' : 'drain') : phase;
    opts.onProgress?.({
      scenario: name,
      phase: shown,
      elapsedMs,
      totalMs: plan.end,
      boards: plan.boards.map(({ board }) => ({
        id: board.id,
        mqtt: drivers.get(board.id)?.notReady
          ? 'not ready'
          : (drivers.get(board.id)?.mqttState ?? 'starting'),
        faults: activeFaults.get(board.id) ?? [],
        pending: pending.get(board.id)?.size ?? 0,
      })),
    });
  };

  const handles: FaultHandle[] = [];
  /** Commands on their way through the broker (held while a broker-outage stops it). */
  const commands: Promise<void>[] = [];
  const errors: string[] = [];
  const faultLateness: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  let aborted = false;
  /** When the stop came, on the host clock. */
  let stoppedAt: number | undefined;
  const onStop = () => {
    stoppedAt ??= clock.now();
  };
  opts.signal?.addEventListener('abort', onStop, { once: true });
  if (opts.signal?.aborted) onStop();
  let outcome: Omit<ScenarioRun, 'logs'>;
  try {
    progress('setup');
    // Drivers exist before bring-up, so the broker's view of the setup is recorded too.
    for (const bp of plan.boards) {
      const driver = new BoardDriver({
        plan: bp,
        services,
        dir: join(opts.dir, bp.board.id),
        runId: opts.runId,
        readyTimeoutMs: opts.readyTimeoutMs,
        log: opts.log,
        // A command is pending until the board's agent reports it received.
        onAgentOp: (op) => {
          if (op.kind === 'delivered') pending.get(bp.board.id)?.delete(op.id);
        },
      });
      drivers.set(bp.board.id, driver);
    }
    for (const [id, why] of opts.skip ?? []) drivers.get(id)?.skip(why);
    // Bounded: each board's ready timeout runs from its own start, not from the queue's.
    const started = await mapLimited(
      [...drivers.values()],
      opts.startConcurrency ?? defaultStartConcurrency(),
      (d) => (d.notReady ? Promise.resolve(d) : d.start()),
    );
    t0 = clock.now();
    for (const d of started) d.setT0(t0);
    const ready = started.filter((d) => !d.notReady);
    let phase: ScenarioProgress['phase'] = 'timeline';
    timer = setInterval(() => progress(phase), opts.progressEveryMs ?? 1000);

    const events: TimelineEvent[] = [
      ...plan.stimuli
        .filter((s) => !drivers.get(s.board)?.notReady)
        .map((s) => stimulusEvent(s, drivers, services, opts.epoch, pending, t0, commands, errors)),
      ...plan.faults.flatMap((f) =>
        faultEvents(f, ready, services, handles, activeFaults, faultLateness, t0, errors),
      ),
    ];
    const result = await runTimeline(events, t0, opts.signal, clock);
    for (const e of result.errors)
      errors.push(`${e.label}: ${e.error instanceof Error ? e.error.message : String(e.error)}`);
    aborted = opts.signal?.aborted === true;
    // Jepsen's final heal: nothing stays broken into the drain.
    for (const err of await healAll(handles)) errors.push(err.message);
    // A broker that is back has published every held command; one that is not never will.
    if (services.broker.running) await Promise.all(commands);
    // No board came up: nothing can arrive, so there is nothing to wait for.
    if (!aborted && ready.length > 0) {
      phase = 'drain';
      progress(phase);
      await sleepUntil(t0 + plan.end, clock, opts.signal);
      aborted = opts.signal?.aborted === true;
    }
    // A fault not seen to act by now never will be: say so in the history, never leave it silent.
    closeConfirmations(handles);
    // A helper that died meanwhile (toxiproxy-server): every board's scenario is hil's trouble.
    for (const h of await helpers.troubles()) {
      errors.push(h.msg);
      for (const d of drivers.values()) d.recorder.record({ t: h.t, kind: 'error', msg: h.msg });
    }
    const stimuliLate = result.lateness.filter((l) => l.label.startsWith('emit ')).map((l) => l.lateMs);
    const lateness = { faults: latenessStats(faultLateness), stimuli: latenessStats(stimuliLate) };
    for (const e of errors) opts.log?.(`[${name}] ${e}`);
    const interrupted = aborted
      ? {
          ...(stoppedAt !== undefined &&
            !Number.isNaN(t0) &&
            stoppedAt >= t0 && { at: Math.round(stoppedAt - t0) }),
        }
      : undefined;
    const histories = await finish(plan, drivers, opts.dir, startedAt, lateness, interrupted);
    outcome = {
      histories,
      unrecoverable: new Map(
        [...drivers.values()].flatMap((d) => (d.unrecoverable ? [[d.id, d.unrecoverable] as const] : [])),
      ),
      lateness,
      latenessMs: { faults: faultLateness, stimuli: stimuliLate },
      errors,
      aborted,
    };
  } finally {
    opts.signal?.removeEventListener('abort', onStop);
    if (timer) clearInterval(timer);
    helpers.stop();
    await healAll(handles).catch(() => []);
    unsubscribe();
    await Promise.all([...drivers.values()].map((d) => d.close()));
    for (const log of brokerLog.values()) log.close();
    // A crash before finish still leaves every board's JSON lines on disk.
    progress('done');
  }
  // Read once both logs are closed, so reporters need not read files back.
  const logs = new Map<string, BoardLogs>();
  for (const { board } of plan.boards) {
    const text = (file: string) => readFile(join(opts.dir, board.id, file), 'utf8').catch(() => '');
    logs.set(board.id, { serial: await text('serial.log'), broker: await text('broker.log') });
  }
  return { ...outcome, logs };
}

function stimulusEvent(
  s: Stimulus,
  drivers: Map<string, BoardDriver>,
  services: RackServices,
  epoch: number,
  pending: Map<string, Set<string>>,
  t0: number,
  commands: Promise<void>[],
  errors: string[],
): TimelineEvent {
  return {
    t: s.t,
    label: `emit ${s.id}`,
    fire: async () => {
      const driver = drivers.get(s.board);
      if (!driver?.session) return;
      const late = (t: number) => Math.round((t - t0 - s.t) * 1000) / 1000;
      pending.get(s.board)?.add(s.id);
      if (s.direction === 'up') {
        let t: number;
        try {
          t = await driver.session.emit(s.cls, s.id);
        } catch (err) {
          // Never written (the line is gone): recorded as unsent, so its class is not judged a pass on the rest.
          const why = err instanceof Error ? err.message : String(err);
          pending.get(s.board)?.delete(s.id);
          errors.push(`emit ${s.id}: ${why}`);
          const at = performance.now();
          driver.recorder.record({
            t: at,
            kind: 'emit',
            cls: s.cls,
            id: s.id,
            direction: 'up',
            seq: s.seq,
            lateMs: late(at),
            unsent: why,
          });
          return;
        }
        driver.recorder.record({
          t,
          kind: 'emit',
          cls: s.cls,
          id: s.id,
          direction: 'up',
          seq: s.seq,
          lateMs: late(t),
        });
        return;
      }
      const topic = `${topicPrefix(s.board)}/cmd/${s.cls}`;
      const t = performance.now();
      driver.recorder.record({
        t,
        kind: 'emit',
        cls: s.cls,
        id: s.id,
        direction: 'down',
        seq: s.seq,
        epoch,
        lateMs: late(t),
      });
      const payload = JSON.stringify({ id: s.id, seq: s.seq, epoch });
      // Not awaited: a command held through a broker outage must not hold up the timeline.
      const sent = services.broker.sendCommand(clientIdOf(s.board), topic, payload, s.qos).then(
        (route) => {
          driver.recorder.record({
            t: route.t,
            kind: 'routed',
            id: s.id,
            to: route.to,
            ...(route.why && { why: route.why }),
            ...(route.held && { held: true }),
          });
          if (route.why === 'session-lost') {
            driver.recorder.record({
              t: route.t,
              kind: 'broker-forgot',
              id: s.id,
              why: 'the broker restarted clean and lost the session the board had subscribed in',
            });
          }
        },
        (err: unknown) => {
          const msg = `command ${s.id}: ${err instanceof Error ? err.message : String(err)}`;
          errors.push(msg);
          driver.recorder.record({ t: performance.now(), kind: 'error', msg });
        },
      );
      commands.push(sent);
    },
  };
}

function faultEvents(
  f: PlannedFault,
  ready: BoardDriver[],
  services: RackServices,
  handles: FaultHandle[],
  activeFaults: Map<string, string[]>,
  lateness: number[],
  t0: number,
  errors: string[],
): TimelineEvent[] {
  const targets = ready.filter((d) => f.boards.includes(d.id));
  const applied = new Map<string, FaultHandle>();
  const events: TimelineEvent[] = [];
  for (const driver of targets) {
    const record = (p: FaultPhase) => {
      const list = activeFaults.get(p.board) ?? [];
      activeFaults.set(
        p.board,
        p.phase === 'start'
          ? [...list, p.fault]
          : list.filter((x, i) => x !== p.fault || i !== list.indexOf(p.fault)),
      );
      const lateMs = p.phase === 'start' ? Math.round((p.t - t0 - f.at) * 1000) / 1000 : undefined;
      if (lateMs !== undefined && p.fault === f.spec.kind) lateness.push(lateMs);
      driver.recorder.record({
        t: p.t,
        kind: 'fault',
        fault: p.fault,
        phase: p.phase,
        down: p.down,
        effect: p.effect,
        detail: p.detail,
        ...(lateMs !== undefined && { lateMs }),
      });
    };
    // Made before the timeline starts: at the fault's instant only its action is left to do.
    const proxy = driver.proxy;
    const ctx: FaultContext | undefined = proxy && {
      board: driver.faultBoard(),
      proxy,
      broker: services.broker,
      run: (cmd) => runHook(cmd),
      record,
      confirm: (c) =>
        driver.recorder.record({
          t: c.t,
          kind: 'confirm',
          fault: c.fault,
          confirmed: c.confirmed,
          seen: c.seen,
        }),
    };
    events.push({
      t: f.at,
      label: `fault ${f.spec.kind} on ${driver.id}`,
      fire: async () => {
        if (!ctx) return;
        try {
          const handle = await applyFault(f.spec.kind, f.spec.params, ctx);
          handles.push(handle);
          applied.set(driver.id, handle);
          // Instant faults (reset, reboot) end once they have fired.
          if (f.span === 0) await healFault(handle);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          errors.push(msg);
          driver.recorder.record({ t: performance.now(), kind: 'error', msg });
        }
      },
    });
    if (f.span > 0) {
      events.push({
        t: f.at + f.span,
        label: `heal ${f.spec.kind} on ${driver.id}`,
        fire: async () => {
          const handle = applied.get(driver.id);
          if (handle) await healFault(handle);
        },
      });
    }
  }
  return events;
}

async function finish(
  plan: ScenarioPlan,
  drivers: Map<string, BoardDriver>,
  dir: string,
  startedAt: Date,
  lateness: ScenarioRun['lateness'],
  interrupted: History['interrupted'],
): Promise<History[]> {
  return Promise.all(
    plan.boards.map(async ({ board }) => {
      const driver = drivers.get(board.id);
      const boardDir = join(dir, board.id);
      const meta = {
        scenario: plan.scenario.name,
        board: board.id,
        firmware: board.firmware,
        ...(board.virtual && { model: board.virtual.model }),
        startedAt: startedAt.toISOString(),
        duration: plan.scenario.duration,
        drain: plan.scenario.drain,
        end: plan.end,
        ...(driver?.notReady && { notReady: driver.notReady }),
        ...(driver?.offProxy && { offProxy: driver.offProxy }),
        ...(interrupted && { interrupted }),
        lateness,
      };
      if (!driver) return { ...meta, ops: [] };
      return driver.recorder.finish(meta, join(boardDir, 'history.json'));
    }),
  );
}
