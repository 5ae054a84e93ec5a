import { boardView } from '../checker/board-view.js';
import { at, dur } from '../checker/format.js';
import { fateOf, type Message, trafficByClass } from '../checker/messages.js';
import { type BoardVerdict, type ClassVerdict, type Verdict, worst } from '../checker/verdict.js';
import type { FaultEffect, History, Op } from '../history/ops.js';
import type { PolicySpec } from '../spec/policy.js';
import type { ScenarioSpec } from '../spec/types.js';

/** What became of one message, as the timeline colours it. */
/** `broker`: a command the broker lost (restart-clean), not the board. */
export type Outcome = 'ok' | 'late' | 'duplicate' | 'lost' | 'broker' | 'blocked' | 'dropped' | 'unknown';

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
  /** Named by a failing reason of its class. */
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
}

export interface MqttSpan {
  start: number;
  end: number;
  state: 'connected' | 'connecting' | 'disconnected';
}

export interface HealthMark {
  t: number;
  kind: 'boot' | 'traceback' | 'hung' | 'error' | 'agent-error';
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
  const view = boardView(history, scenario);
  const lastOp = view.ops.reduce((m, o) => Math.max(m, o.t), 0);
  const end = history.end > 0 ? history.end : Math.max(view.end, lastOp);
  return {
    scenario: history.scenario,
    board: history.board,
    firmware: history.firmware,
    ...(history.model !== undefined && { model: history.model }),
    verdict: verdict.verdict,
    end,
    duration: history.duration,
    faults: faultBands(view.ops, end),
    classes: classRows(view.ops, view.end, verdict, scenario),
    mqtt: mqttSpans(view.ops, end),
    health: healthMarks(view.ops),
    ...(verdict.checks.length > 0 && { healthVerdict: worst(...verdict.checks.map((c) => c.verdict)) }),
    healthText: verdict.checks.map((c) => `${c.check}: ${c.verdict}`).join(', ') || 'no health checks',
  };
}

/** Fault start/end ops paired by name in order; a reboot lasts until the next `mqtt connected`. */
export function faultBands(ops: readonly Op[], end: number): FaultBand[] {
  const bands: FaultBand[] = [];
  const open = new Map<string, Array<Extract<Op, { kind: 'fault' }>>>();
  ops.forEach((op, i) => {
    if (op.kind !== 'fault') return;
    if (op.fault === 'reboot') {
      if (op.phase !== 'start') return;
      const back = ops.slice(i + 1).find((o) => o.kind === 'mqtt' && o.state === 'connected' && o.t > op.t);
      bands.push({
        fault: 'reboot',
        start: op.t,
        end: back?.t ?? end,
        effect: 'reboot',
        open: back === undefined,
        ...(op.detail !== undefined && { detail: op.detail }),
      });
      return;
    }
    const starts = open.get(op.fault) ?? [];
    if (op.phase === 'start') {
      starts.push(op);
      open.set(op.fault, starts);
      return;
    }
    const start = starts.shift();
    if (start) bands.push(band(start, op.t, false));
  });
  for (const starts of open.values()) for (const s of starts) bands.push(band(s, end, true));
  // Wider first at one start, so a flap is drawn under its outages.
  return bands.sort((a, b) => a.start - b.start || b.end - a.end);
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

function deadlineOf(spec: PolicySpec | undefined): number | undefined {
  if (spec?.policy === 'retry-within') return spec.within;
  if (spec?.policy === 'drop') return spec.maxAge;
  return undefined;
}

export function policyLabel(spec: PolicySpec | undefined): string {
  if (!spec) return 'no policy';
  switch (spec.policy) {
    case 'retry-within':
      return `retry-within ${dur(spec.within)}${spec.duplicates === 'forbidden' ? ', no duplicates' : ''}`;
    case 'drop':
      return spec.maxAge !== undefined ? `drop, max-age ${dur(spec.maxAge)}` : 'drop';
    case 'must-deliver':
      return [
        'must-deliver',
        ...(spec.exactlyOnce ? ['exactly once'] : []),
        ...(spec.ordered ? ['ordered'] : []),
      ].join(', ');
    default: {
      const never: never = spec;
      return String(never);
    }
  }
}

/** Rows in the verdict's class order, then any class seen only in the history. */
function classRows(
  ops: readonly Op[],
  end: number,
  verdict: BoardVerdict,
  scenario: ScenarioSpec,
): ClassRow[] {
  const traffic = trafficByClass(ops, end);
  const names = [
    ...new Set([
      ...verdict.classes.map((c) => c.class),
      ...Object.keys(scenario.policies),
      ...traffic.keys(),
    ]),
  ];
  return names.map((cls) => {
    const spec = scenario.policies[cls];
    const cv = verdict.classes.find((c) => c.class === cls);
    const t = traffic.get(cls);
    const within = deadlineOf(spec);
    const named = namedIds(cls, cv);
    const messages: MessageMark[] = (t?.messages ?? []).map((m) => markOf(m, within, named));
    for (const u of t?.unknown ?? []) {
      messages.push({
        id: u.id,
        t: u.copies[0] ?? 0,
        copies: [...u.copies],
        outcome: 'unknown',
        blamed: named.has(u.id),
        text: `${cls} ${u.id}: delivered ${u.copies.map(at).join(', ')} but never emitted (unknown id)`,
      });
    }
    return { cls, policy: policyLabel(spec), verdict: cv?.verdict, counts: countsText(cls, cv), messages };
  });
}

function countsText(cls: string, cv: ClassVerdict | undefined): string {
  if (!cv) return cls;
  const parts = [
    `${cv.delivered} delivered`,
    ...(cv.lost ? [`${cv.lost} lost`] : []),
    ...(cv.blocked ? [`${cv.blocked} blocked`] : []),
    ...(cv.late ? [`${cv.late} late`] : []),
    ...(cv.duplicates ? [`${cv.duplicates} duplicate${cv.duplicates === 1 ? '' : 's'}`] : []),
  ];
  return `${cls} (${cv.verdict}): ${cv.emitted} emitted: ${parts.join(', ')}`;
}

function markOf(m: Message, within: number | undefined, named: ReadonlySet<string>): MessageMark {
  const deadline = within === undefined ? undefined : m.emit + within;
  const outcome = outcomeOf(m, deadline);
  const mark: MessageMark = {
    id: m.id,
    t: m.emit,
    copies: [...m.copies],
    outcome,
    blamed: named.has(m.id),
    text: describe(m, outcome, deadline),
  };
  if (deadline !== undefined) mark.deadline = deadline;
  return mark;
}

/** Late beats duplicate: a stale copy is the worse news. */
export function outcomeOf(m: Message, deadline: number | undefined): Outcome {
  if (m.copies.length === 0) {
    if (m.dropped) return 'dropped';
    if (m.brokerForgot || m.routed?.why === 'session-lost') return 'broker';
    return fateOf(m) === 'blocked' ? 'blocked' : 'lost';
  }
  if (deadline !== undefined && m.copies.some((t) => t > deadline)) return 'late';
  return m.copies.length > 1 ? 'duplicate' : 'ok';
}

/**
 * Ids a failing class's reasons name: those lines start with `<class> <id> `. Clock anomalies
 * start the same way but fail nothing. Ids are runner-chosen and hold no spaces.
 */
function namedIds(cls: string, cv: ClassVerdict | undefined): Set<string> {
  const ids = new Set<string>();
  if (!cv || cv.verdict === 'pass') return ids;
  for (const r of cv.reasons) {
    if (!r.startsWith(`${cls} `) || r.endsWith('clock or id problem)')) continue;
    const id = r.slice(cls.length + 1).split(' ', 1)[0];
    if (id) ids.add(id);
  }
  return ids;
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  ok: 'delivered in time',
  late: 'late (stale)',
  duplicate: 'duplicated',
  lost: 'lost',
  broker: 'lost at broker',
  blocked: 'blocked',
  dropped: 'dropped by the app',
  unknown: 'unknown id',
};

function describe(m: Message, outcome: Outcome, deadline: number | undefined): string {
  const parts = [`${m.cls} ${m.id}: ${m.direction === 'down' ? 'sent' : 'emitted'} ${at(m.emit)}`];
  if (m.noticed !== undefined && m.noticed !== m.emit) parts.push(`noticed ${at(m.noticed)}`);
  if (m.copies.length) parts.push(`delivered ${m.copies.map(at).join(', ')}`);
  if (deadline !== undefined) parts.push(`deadline ${at(deadline)}`);
  if (m.dropped) parts.push(`dropped ${at(m.dropped.t)} (${m.dropped.why})`);
  return `${parts.join(', ')}: ${OUTCOME_TEXT[outcome]}`;
}

export function outcomeText(o: Outcome): string {
  return OUTCOME_TEXT[o];
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
        const error = exceptionAfter(ops, i);
        out.push({
          t: op.t,
          kind: 'traceback',
          text: `traceback at ${at(op.t)}${error ? `: ${error}` : ''}`,
        });
        break;
      }
      case 'hung':
        out.push({ t: op.t, kind: 'hung', text: `silent on serial for ${at(op.silentMs)} at ${at(op.t)}` });
        break;
      case 'error':
        out.push({ t: op.t, kind: 'error', text: `runner error at ${at(op.t)}: ${op.msg}` });
        break;
      case 'agent-error':
        out.push({ t: op.t, kind: 'agent-error', text: `agent error at ${at(op.t)}: ${op.msg}` });
        break;
      default:
        break;
    }
  });
  return out;
}

/** The exception a traceback ends with: the first unindented console line after it. */
function exceptionAfter(ops: readonly Op[], i: number): string | undefined {
  for (const op of ops.slice(i + 1, i + 40)) {
    if (op.kind === 'traceback') return undefined;
    if (op.kind === 'serial' && op.line.trim() !== '' && !/^\s/.test(op.line)) return op.line;
  }
  return undefined;
}
