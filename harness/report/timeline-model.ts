import type { Outcome } from '../checker/findings.js';
import { at } from '../checker/format.js';
import { messageText } from '../checker/prose.js';
import { type BoardVerdict, type ClassVerdict, type Verdict, worst } from '../checker/verdict.js';
import { boardOps } from '../history/board-ops.js';
import { tracebackCut } from '../history/console-lines.js';
import { type FaultSpan, faultSpans, judgedEnd } from '../history/fault-spans.js';
import type { FaultEffect, History, Op } from '../history/ops.js';
import type { ScenarioSpec } from '../spec/types.js';
import { classSummary } from './parts.js';

export type { Outcome } from '../checker/findings.js';

export const OUTCOMES: readonly Outcome[] = [
  'ok',
  'late',
  'duplicate',
  'lost',
  'broker',
  'blocked',
  'dropped',
  'unknown',
];

export interface MessageMark {
  id: string;
  /** Emit time; for an unknown id, its first copy. */
  t: number;
  /** Counted copies (at or before the end), sorted. */
  copies: number[];
  /** emit + D (`retry-within`) or emit + max-age (`drop`). */
  deadline?: number;
  outcome: Outcome;
  /** Named by a failing finding of its class. */
  blamed: boolean;
  /** One line for a tooltip. */
  text: string;
}

export interface ClassRow {
  cls: string;
  /** `retry-within 15s`, `drop`, `must-deliver`, `no policy`. */
  policy: string;
  verdict: Verdict | undefined;
  /** `44 emitted: 29 delivered, 3 lost, 12 blocked, 1 duplicate`, for a tooltip. */
  counts: string;
  messages: MessageMark[];
}

/**
 * `down`: an outage; `degraded`: a slow link; `instant`: a one-off (reset);
 * `reboot`: down from the reset until the board is connected again; `span`: a fault that
 * only groups others (a flap, whose outages are drawn on their own).
 */
export type BandEffect = 'down' | 'degraded' | 'instant' | 'reboot' | 'span';

export interface FaultBand {
  fault: string;
  start: number;
  end: number;
  effect: BandEffect;
  /** Started and never ended: drawn to the end. */
  open: boolean;
  detail?: string;
  /** Not seen to act: what was (not) seen. Drawn as "never acted". */
  unseen?: string;
}

export interface MqttSpan {
  start: number;
  end: number;
  state: 'connected' | 'connecting' | 'disconnected';
}

export interface HealthMark {
  t: number;
  kind: 'boot' | 'traceback' | 'hung' | 'away' | 'error' | 'agent-error' | 'reset';
  text: string;
}

/** Everything the timeline draws, worked out from the history, verdict and scenario. Pure. */
export interface TimelineModel {
  scenario: string;
  board: string;
  firmware: string;
  model?: string;
  verdict: Verdict;
  /** The x axis runs from 0 to here (ms). */
  end: number;
  duration: number;
  faults: FaultBand[];
  classes: ClassRow[];
  mqtt: MqttSpan[];
  health: HealthMark[];
  /** Worst of the health checks (no-reboot, no-traceback, no-hang ...), if any ran. */
  healthVerdict?: Verdict;
  /** The checks and their verdicts, for a tooltip. */
  healthText: string;
}

/** How each recorded fault effect is drawn. */
const BAND_OF: Record<FaultEffect, BandEffect> = {
  down: 'down',
  degraded: 'degraded',
  instant: 'instant',
  restart: 'reboot',
  group: 'span',
};

/** Histories recorded before faults carried their effect: told apart by name, as then. */
const INSTANT = new Set(['reset']);
function legacyEffect(start: Extract<Op, { kind: 'fault' }>): BandEffect {
  return start.down
    ? 'down'
    : start.fault === 'flap'
      ? 'span'
      : INSTANT.has(start.fault)
        ? 'instant'
        : 'degraded';
}

export function timelineModel(
  history: History,
  verdict: BoardVerdict,
  scenario: ScenarioSpec,
): TimelineModel {
  const ops = boardOps(history);
  const lastOp = ops.reduce((m, o) => Math.max(m, o.t), 0);
  const end =
    history.end > 0 ? history.end : Math.max(judgedEnd(ops, scenario.duration, scenario.drain), lastOp);
  return {
    scenario: history.scenario,
    board: history.board,
    firmware: history.firmware,
    ...(history.model !== undefined && { model: history.model }),
    verdict: verdict.verdict,
    end,
    duration: history.duration,
    faults: faultBands(ops, end),
    classes: verdict.classes.map(classRow),
    mqtt: mqttSpans(ops, end),
    health: healthMarks(ops),
    ...(verdict.checks.length > 0 && { healthVerdict: worst(...verdict.checks.map((c) => c.verdict)) }),
    healthText: verdict.checks.map((c) => `${c.check}: ${c.verdict}`).join(', ') || 'no health checks',
  };
}

/** One band per fault span (the shared pairing); a reboot lasts until the next `mqtt connected`. */
export function faultBands(ops: readonly Op[], end: number): FaultBand[] {
  const bands = faultSpans(ops).spans.map((s): FaultBand => {
    const drawn = drawnBand(s, end);
    return s.confirm && !s.confirm.confirmed ? { ...drawn, unseen: s.confirm.seen } : drawn;
  });
  // Wider first at one start, so a flap is drawn under its outages.
  return bands.sort((a, b) => a.start - b.start || b.end - a.end);
}

function drawnBand(s: FaultSpan, end: number): FaultBand {
  if (!s.reboot) return band(s.startOp, s.end ?? end, s.end === undefined);
  return {
    fault: s.fault,
    start: s.start,
    end: s.end ?? end,
    effect: 'reboot',
    open: s.end === undefined,
    ...(s.startOp.detail !== undefined && { detail: s.startOp.detail }),
  };
}

function band(start: Extract<Op, { kind: 'fault' }>, endT: number, open: boolean): FaultBand {
  const effect = start.effect ? BAND_OF[start.effect] : legacyEffect(start);
  // A degraded fault that lasted no time is drawn as a one-off, as before.
  const drawn = effect === 'degraded' && endT === start.t ? 'instant' : effect;
  return {
    fault: start.fault,
    start: start.t,
    end: endT,
    effect: drawn,
    open,
    ...(start.detail !== undefined && { detail: start.detail }),
  };
}

/** A class's row, from its verdict: the label, the counts and every message as judged. */
function classRow(cv: ClassVerdict): ClassRow {
  return {
    cls: cv.class,
    policy: cv.label,
    verdict: cv.verdict,
    counts: classSummary(cv),
    messages: cv.messages.map((m) => ({
      id: m.id,
      t: m.t,
      copies: [...m.copies],
      ...(m.deadline !== undefined && { deadline: m.deadline }),
      outcome: m.outcome,
      blamed: m.blamed,
      text: messageText(cv.class, m),
    })),
  };
}

/** Connected from t = 0 (that is what ready means), then as the agent's `mqtt` events say. */
function mqttSpans(ops: readonly Op[], end: number): MqttSpan[] {
  const spans: MqttSpan[] = [];
  let state: MqttSpan['state'] = 'connected';
  let since = 0;
  for (const op of ops) {
    if (op.kind !== 'mqtt' || op.t <= 0 || op.t > end || op.state === state) continue;
    if (op.t > since) spans.push({ start: since, end: op.t, state });
    state = op.state;
    since = op.t;
  }
  if (end > since) spans.push({ start: since, end, state });
  return spans;
}

function healthMarks(ops: readonly Op[]): HealthMark[] {
  const out: HealthMark[] = [];
  ops.forEach((op, i) => {
    if (op.t < 0) return;
    switch (op.kind) {
      case 'boot':
        out.push({
          t: op.t,
          kind: 'boot',
          text: `boot at ${at(op.t)}${op.line ? `: ${op.line}` : ` (${op.reason})`}`,
        });
        break;
      case 'traceback': {
        const error = op.cut !== undefined ? cutText(op.cut) : exceptionAfter(ops, i);
        out.push({
          t: op.t,
          kind: 'traceback',
          text: `traceback at ${at(op.t)}${error ? `: ${error}` : ''}`,
        });
        break;
      }
      case 'hung':
        out.push({
          t: op.t,
          kind: 'hung',
          text: op.boots
            ? `no answer for ${at(op.silentMs)}, ${op.boots} boot${op.boots === 1 ? '' : 's'}, at ${at(op.t)}`
            : `silent on serial for ${at(op.silentMs)} at ${at(op.t)}`,
        });
        break;
      case 'port-away': {
        const back = ops.slice(i + 1).find((o) => o.kind === 'port-back');
        out.push({
          t: op.t,
          kind: 'away',
          text:
            back?.kind === 'port-back'
              ? `serial port away at ${at(op.t)}, back at ${at(back.t)} (${back.at})`
              : `serial port away at ${at(op.t)}, not back: ${op.msg}`,
        });
        break;
      }
      case 'error':
        out.push({ t: op.t, kind: 'error', text: `runner error at ${at(op.t)}: ${op.msg}` });
        break;
      case 'agent-error':
        out.push({ t: op.t, kind: 'agent-error', text: `agent error at ${at(op.t)}: ${op.msg}` });
        break;
      case 'board-reset':
        out.push({
          t: op.t,
          kind: 'reset',
          text: `hil reset it at ${at(op.t)} by ${op.method}: ${op.outcome}${op.detail ? ` (${op.detail})` : ''}`,
        });
        break;
      default:
        break;
    }
  });
  return out;
}

/** The exception a traceback ends with: the first unindented console line after it, unless a reset or panic cut it. */
function exceptionAfter(ops: readonly Op[], i: number): string | undefined {
  for (const op of ops.slice(i + 1, i + 40)) {
    if (op.kind === 'traceback') return undefined;
    if (op.kind === 'serial' && tracebackCut(op.line)) return cutText(op.line);
    if (op.kind === 'serial' && op.line.trim() !== '' && !/^\s/.test(op.line)) return op.line;
  }
  return undefined;
}

function cutText(line: string): string {
  const by = tracebackCut(line) === 'panic' ? 'a C-level panic' : 'a reset';
  return `cut short by ${by} (no exception line): ${line.trim()}`;
}
