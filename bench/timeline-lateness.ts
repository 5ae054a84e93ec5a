// One scenario on N virtual boards (board host processes of up to HIL_BOARDS_PER_PROCESS boards,
// 16 by default), as `hil run` would run it, and what it cost: wall / (timeline + drain), peak
// memory and CPU of hil and of the rack, fault and stimulus lateness with hil's event-loop delay
// beside them, whether every verdict equals the known answer (docs/known-answers.md), and
// delivery times against a second MQTT subscriber.
//   npx tsx bench/timeline-lateness.ts [--boards 8] [--scenario scenarios/wifi-drop-5s.yml]
//                                      [--concurrency N] [--json]
//                                      [--profile FILE [--profile-window 9000,20000]]
// --profile writes a V8 CPU profile of hil (this process) over that window of the timeline (ms
// from t0; the default spans the 5 s outage at 9.5 s and the reconnect after it), for
// bench/profile-summary.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { check } from '../harness/checker/index.js';
import { loadScenario } from '../harness/config/load-scenario.js';
import { planScenario } from '../harness/scenario/plan.js';
import { openRack } from '../harness/scenario/rack.js';
import { runScenario } from '../harness/scenario/runner.js';
import { boardEntry } from '../harness/sim/launcher.js';
import { MODEL_DEFAULTS, MODEL_NAMES } from '../harness/sim/model-options.js';
import { observed, readKnownAnswers } from '../test/integration/known-answers.js';
import { mib, stats } from './proc.js';
import { benchBoard, benchRack } from './rack.js';
import { observeBroker, sampleRack } from './watchers.js';

const { values } = parseArgs({
  options: {
    boards: { type: 'string', default: '8' },
    scenario: { type: 'string', default: 'scenarios/wifi-drop-5s.yml' },
    concurrency: { type: 'string' },
    json: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'profile-window': { type: 'string', default: '9000,20000' },
  },
});
const n = Number(values.boards);
/** monitorEventLoopDelay's sampling interval, ms. */
const LOOP_RESOLUTION_MS = 2;
const loaded = await loadScenario(values.scenario);
if (!loaded.value) throw new Error(`${values.scenario} does not validate`);
const sc = loaded.value;
const boards = Array.from({ length: n }, (_, i) => {
  const model = MODEL_NAMES[i % MODEL_NAMES.length]!;
  const options = { ...MODEL_DEFAULTS[model] };
  return benchBoard(
    `bench-${model}-${i}`,
    { kind: 'virtual', model, options },
    { firmware: `virtual-${model}`, virtual: { model, options } },
  );
});
const rack = await benchRack(boards);
/** Profiles hil over the window, `elapsed` ms into the timeline now; the profile is written at its end. */
function profileWindow(file: string, elapsed: number): void {
  const [from, to] = values['profile-window'].split(',').map(Number) as [number, number];
  const session = new Session();
  session.connect();
  profiling = (async () => {
    await new Promise((r) => setTimeout(r, Math.max(0, from - elapsed)));
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const s0 = await schedstat();
    await new Promise((r) => setTimeout(r, to - from));
    const s1 = await schedstat();
    const { profile } = await session.post('Profiler.stop');
    // hil's main thread over the window: time on a core, and time ready but waiting for one.
    sched = { onCpuMs: (s1[0] - s0[0]) / 1e6, waitingMs: (s1[1] - s0[1]) / 1e6, slices: s1[2] - s0[2] };
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  })();
}
let profiling: Promise<void> | undefined;
let sched: { onCpuMs: number; waitingMs: number; slices: number } | undefined;
/** /proc's schedstat of this process's main thread: ns on a core, ns waiting on a run queue, slices. */
const schedstat = async () =>
  (await readFile(`/proc/self/task/${process.pid}/schedstat`, 'utf8')).trim().split(' ').map(Number) as [
    number,
    number,
    number,
  ];
const answers = (await readKnownAnswers()).filter((a) => a.scenario === sc.name);
const from = (await boardEntry()).args.includes('--import') ? 'tsx' : 'built JS';
const dir = await mkdtemp(join(tmpdir(), 'hil-bench-'));
const services = await openRack(rack);
try {
  const observer = await observeBroker(`mqtt://${services.broker.upstream}`);
  const plan = planScenario(rack, sc);
  // The whole run, and the timeline alone (from the first progress tick after t0 to the drain).
  const loopAll = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  const loopTimeline = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  let eluStart: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let eluTimeline: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  let readyAt = Number.NaN;
  loopAll.enable();
  const sampler = sampleRack(500);
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  const run = await runScenario({
    plan,
    services,
    dir,
    runId: 'bench',
    epoch: 1,
    ...(values.concurrency && { startConcurrency: Number(values.concurrency) }),
    onProgress: (p) => {
      if (p.phase === 'timeline' && eluStart === undefined) {
        readyAt = performance.now() - t - p.elapsedMs;
        if (values.profile) profileWindow(values.profile, p.elapsedMs);
        eluStart = performance.eventLoopUtilization();
        loopTimeline.enable();
      }
      if (p.phase === 'drain' && eluStart && !eluTimeline) {
        eluTimeline = performance.eventLoopUtilization(eluStart);
        loopTimeline.disable();
      }
    },
  });
  const wall = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  await profiling;
  loopAll.disable();
  const rackUse = await sampler.stop();
  const seen = await observer.stop();

  // Verdicts against the known answers, by model.
  let right = 0;
  const wrong: string[] = [];
  for (const h of run.histories) {
    const model = boards.find((b) => b.id === h.board)?.virtual?.model;
    const answer = answers.find((a) => a.model === model);
    const got = observed({ scenario: sc.name, model: model ?? '', verdict: check(h, sc) });
    const bad: Array<[string, string]> = answer
      ? Object.entries(answer.expected).filter(([k, v]) => got[k] !== v)
      : [['answer', 'none']];
    if (bad.length === 0 && !h.notReady) right++;
    else wrong.push(`${h.board}: ${h.notReady ?? bad.map(([k]) => `${k} ${got[k]}`).join(', ')}`);
  }

  // hil's delivery time (the broker's record, on hil's loop) against the observer's receipt.
  const errors: number[] = [];
  for (const h of run.histories) {
    const line = (await readFile(join(dir, h.board, 'history.jsonl'), 'utf8'))
      .split('\n')
      .find((l) => l.startsWith('{"t0"'));
    if (!line) continue;
    const t0 = (JSON.parse(line) as { t0: number }).t0 + performance.timeOrigin;
    const firsts = new Map<string, number>();
    for (const op of h.ops)
      if (op.kind === 'delivered' && op.direction === 'up' && !firsts.has(op.id)) firsts.set(op.id, op.t);
    for (const [id, at] of firsts) {
      const obs = seen.get(id);
      if (obs !== undefined) errors.push(obs - (t0 + at));
    }
  }

  // Stimuli due at the same instant (one per board) fire one after another: lateness by rank.
  const due = new Map<number, number[]>();
  for (const h of run.histories)
    for (const op of h.ops)
      if (op.kind === 'emit' && op.lateMs !== undefined) {
        const at = Math.round(op.t - op.lateMs);
        due.set(at, [...(due.get(at) ?? []), op.lateMs]);
      }
  const byRank: number[][] = [];
  for (const lates of due.values())
    for (const [i, l] of lates.sort((a, b) => a - b).entries()) byRank[i] = [...(byRank[i] ?? []), l];
  const rankMedian = byRank.map((l) => Math.round(stats(l).median * 10) / 10);

  const planMs = plan.end;
  const fl = run.lateness.faults;
  const sl = run.lateness.stimuli;
  const la = loopAll;
  const lt = loopTimeline;
  // The histogram holds each sampling interval; what exceeds the resolution is the delay.
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e5 - LOOP_RESOLUTION_MS * 10) / 10);
  const e = stats(errors);
  const result = {
    boards: n,
    scenario: sc.name,
    from,
    wallMs: Math.round(wall),
    planMs,
    ratio: Math.round((wall / planMs) * 1000) / 1000,
    bringUpMs: Math.round(readyAt),
    hilPeakRss: process.resourceUsage().maxRSS * 1024,
    hilCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    rack: rackUse,
    faults: fl,
    stimuli: sl,
    loopDelayMs: {
      run: { p50: ms(la.percentile(50)), p99: ms(la.percentile(99)), max: ms(la.max) },
      timeline: { p50: ms(lt.percentile(50)), p99: ms(lt.percentile(99)), max: ms(lt.max) },
    },
    /** Median stimulus lateness of the 1st, 2nd, ... to fire among those due at one instant. */
    stimulusLateByRankMs: rankMedian,
    ...(sched && { profileWindowSched: sched }),
    timelineLoopUtilization: Math.round((eluTimeline?.utilization ?? Number.NaN) * 1000) / 1000,
    verdicts: { right, of: n, wrong },
    notReady: run.histories.filter((h) => h.notReady).length,
    runnerErrors: run.errors.length,
    deliveryErrorMs: {
      count: errors.length,
      of: run.histories.reduce(
        (k, h) => k + h.ops.filter((o) => o.kind === 'delivered' && o.direction === 'up').length,
        0,
      ),
      median: Math.round(e.median * 100) / 100,
      p99: Math.round(e.p99 * 100) / 100,
      max: Math.round(e.max * 100) / 100,
      min: Math.round(Math.min(...errors) * 100) / 100,
    },
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `${n} boards (${from}), ${sc.name}: wall ${(wall / 1000).toFixed(1)} s / plan ${planMs / 1000} s = ${result.ratio} (bring-up ${(readyAt / 1000).toFixed(1)} s)`,
    );
    console.log(
      `hil:   peak RSS ${mib(result.hilPeakRss)} MiB, CPU ${(result.hilCpuMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `rack:  ${rackUse.boards} board host processes, peak RSS ${mib(rackUse.boardsPeakRss)} MiB, CPU ${(rackUse.boardsCpuMs / 1000).toFixed(1)} s; socat ${mib(rackUse.socatPeakRss)} MiB ${(rackUse.socatCpuMs / 1000).toFixed(1)} s; toxiproxy ${mib(rackUse.toxiproxyPeakRss)} MiB ${(rackUse.toxiproxyCpuMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `faults:  ${fl.count} applied, late by median ${fl.medianMs} ms, p99 ${fl.p99Ms} ms, max ${fl.maxMs} ms`,
    );
    console.log(
      `stimuli: ${sl.count} fired, late by median ${sl.medianMs} ms, p99 ${sl.p99Ms} ms, max ${sl.maxMs} ms`,
    );
    console.log(
      `hil's event-loop delay: timeline p50 ${result.loopDelayMs.timeline.p50} ms, p99 ${result.loopDelayMs.timeline.p99} ms, max ${result.loopDelayMs.timeline.max} ms (utilization ${result.timelineLoopUtilization}); whole run max ${result.loopDelayMs.run.max} ms`,
    );
    console.log(
      `verdicts: ${right}/${n} equal the known answers${wrong.length ? `; not: ${wrong.slice(0, 5).join('; ')}` : ''}`,
    );
    console.log(
      `delivery time vs a second subscriber: ${errors.length}/${result.deliveryErrorMs.of} matched, observer later by median ${result.deliveryErrorMs.median} ms, p99 ${result.deliveryErrorMs.p99} ms, max ${result.deliveryErrorMs.max} ms, min ${result.deliveryErrorMs.min} ms`,
    );
    console.log(`stimuli due at one instant, median lateness by firing rank (ms): ${rankMedian.join(' ')}`);
    if (sched)
      console.log(
        `hil's main thread over the profile window: on a core ${sched.onCpuMs.toFixed(0)} ms, waiting for one ${sched.waitingMs.toFixed(0)} ms, ${sched.slices} slices`,
      );
    console.log(`not ready: ${result.notReady}, runner errors: ${result.runnerErrors}`);
  }
} finally {
  await services.close();
  await rm(dir, { recursive: true, force: true });
}
