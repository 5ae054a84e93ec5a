import { check } from '../../harness/checker/check.js';
import type { Unjudged } from '../../harness/checker/findings.js';
import { proseOf } from '../../harness/checker/prose.js';
import type { BoardVerdict, ClassVerdict } from '../../harness/checker/verdict.js';
import type { History } from '../../harness/history/ops.js';
import type { BoardResult, BoardStatus, RunResult } from '../../harness/report/run-result.js';
import type { PolicySpec } from '../../harness/spec/policy.js';
import type { CheckSpec, ScenarioSpec } from '../../harness/spec/types.js';
import { drop, type HistoryBuilder, history, mustDeliver, retryWithin } from './checker-history-builder.js';

const origin = { file: 'scenarios/test.yml', line: 1, col: 1 };

/** A whole ScenarioSpec with small defaults: 90 s timeline, 30 s drain, settle 5 s, ε 50 ms. */
export function scenarioSpec(
  policies: Record<string, PolicySpec>,
  over: Partial<ScenarioSpec> & { checks?: CheckSpec[] } = {},
): ScenarioSpec {
  return {
    file: 'scenarios/test.yml',
    name: 'test',
    description: 'a test scenario',
    duration: 90_000,
    drain: 30_000,
    settle: 5000,
    tolerance: 50,
    seed: 7,
    tags: [],
    traffic: Object.keys(policies).map((cls) => ({ class: cls, direction: 'up', times: [], qos: 1, origin })),
    faults: [],
    policies,
    checks: [],
    models: {},
    ...over,
  };
}

export interface ResultOpts {
  board?: string;
  status?: BoardStatus;
  model?: string;
  firmware?: string;
}

/** Judges a built history with the real checker and wraps it as the runner would. */
export function boardResult(h: HistoryBuilder, spec: ScenarioSpec, o: ResultOpts = {}): BoardResult {
  const built = h.build({
    scenario: spec.name,
    board: h.board,
    firmware: o.firmware ?? 'app-umqtt-robust',
    ...(o.model !== undefined && { model: o.model }),
  });
  return resultOf(built, check(built, spec), spec, o);
}

export function resultOf(
  hist: History,
  verdict: BoardVerdict,
  spec: ScenarioSpec,
  o: ResultOpts = {},
): BoardResult {
  const dir = `${spec.name}/${hist.board}`;
  return {
    scenario: spec,
    board: {
      id: hist.board,
      firmware: hist.firmware,
      ...(o.model !== undefined && { model: o.model }),
      tags: ['virtual'],
      status: o.status ?? 'enabled',
    },
    history: hist,
    verdict,
    attempt: 0,
    logs: { serial: '', broker: '' },
    files: {
      history: `${dir}/history.json`,
      serialLog: `${dir}/serial.log`,
      brokerLog: `${dir}/broker.log`,
      timeline: `${dir}/timeline.svg`,
    },
  };
}

export function runOf(results: BoardResult[]): RunResult {
  return {
    started: '2026-11-22T01:00:00Z',
    finished: '2026-11-22T01:02:30Z',
    runDir: 'reports/runs/2026-11-22T01-00-00Z',
    results,
  };
}

/** A verdict made by hand, for renderers that must not depend on the checker's wording. */
export function verdictOf(over: Partial<BoardVerdict> = {}): BoardVerdict {
  return { verdict: 'pass', classes: [], checks: [], findings: [], reasons: [], ...over };
}

/** A class verdict made by hand: one message, delivered, no findings unless given. */
export function classVerdictOf(over: Partial<ClassVerdict> = {}): ClassVerdict {
  return {
    class: 'button',
    policy: 'retry-within',
    label: 'retry-within 15s',
    direction: 'up',
    verdict: 'pass',
    emitted: 1,
    delivered: 1,
    lost: 0,
    blocked: 0,
    late: 0,
    duplicates: 0,
    latency: null,
    findings: [],
    reasons: [],
    messages: [],
    ...over,
  };
}

/** The board never got ready: the finding every part of its verdict carries, with its prose. */
export function notReady(board: string, why: string): { findings: Unjudged[]; reasons: string[] } {
  const findings: Unjudged[] = [{ kind: 'not-ready', level: 'error', board, why }];
  return { findings, reasons: proseOf(findings) };
}

/**
 * umqtt.robust-like behaviour under a 20 s WiFi loss, a broker restart, a slow link and a reset:
 * the history a person would look at in a timeline.
 */
export function wifiDropScenario(): ScenarioSpec {
  return scenarioSpec(
    {
      telemetry: drop(),
      button: retryWithin(15_000),
      alarm: mustDeliver(),
      command: retryWithin(10_000),
    },
    {
      name: 'wifi-drop-20s',
      description: 'WiFi drops for 20 s while a button is pressed and an alarm fires.',
      checks: [{ check: 'no-reboot' }, { check: 'no-traceback' }],
    },
  );
}

export function robustHistory(board = 'sim-robust'): HistoryBuilder {
  const h = history(board);
  h.mqtt(-0.5, 'connected');
  // Telemetry every 2 s: fine until the outage, blocked while robust reconnects, fine after.
  for (let t = 2; t < 90; t += 2) {
    const id = `${board}-telemetry-${t / 2}`;
    if (t === 8) h.msg('telemetry', id, t, { accepted: 8.01 });
    else if (t > 8 && t < 28) h.msg('telemetry', id, t, { noticed: null });
    else if (t === 50 || t === 52) h.msg('telemetry', id, t, { accepted: t + 0.01 });
    else if (t > 52 && t < 60) h.msg('telemetry', id, t, { noticed: null });
    else if (t === 64) h.msg('telemetry', id, t, { at: [64.04, 66.1] });
    else h.msg('telemetry', id, t, { at: [t + (t >= 70 && t < 80 ? 0.82 : 0.03)] });
  }
  h.msg('button', `${board}-button-1`, 10, { noticed: 28.5, at: [28.6] });
  h.msg('button', `${board}-button-2`, 25, { noticed: 28.55, at: [28.7] });
  h.msg('button', `${board}-button-3`, 40, { at: [40.04] });
  h.msg('alarm', `${board}-alarm-1`, 12, { noticed: 28.52, at: [28.65] });
  h.msg('alarm', `${board}-alarm-2`, 30, { at: [30.05] });
  let seq = 0;
  for (let t = 5; t < 90; t += 5) {
    seq += 1;
    const id = `${board}-command-${seq}`;
    const o = { direction: 'down' as const, seq, epoch: 1 };
    if (t === 10 || t === 15) h.msg('command', id, t, o);
    else if (t === 20 || t === 25) h.msg('command', id, t, { ...o, at: [28.8] });
    else if (t === 50 || t === 55) h.msg('command', id, t, o).brokerForgot(t + 0.01, id);
    else h.msg('command', id, t, { ...o, at: [t + 0.06] });
  }
  h.fault(8, 28.02, 'wifi-outage');
  h.mqtt(8.3, 'disconnected').mqtt(9, 'connecting').mqtt(28.5, 'connected');
  h.fault(50, 60.01, 'broker-outage');
  h.mqtt(50.1, 'disconnected').mqtt(50.2, 'connecting').mqtt(60.5, 'connected');
  h.traceback(50.15, 'OSError: [Errno 104] ECONNRESET');
  h.fault(70, 80, 'latency', false);
  h.fault(85, 85, 'reset', false);
  h.mqtt(85.01, 'disconnected').mqtt(85.4, 'connected');
  return h;
}
