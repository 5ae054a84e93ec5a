import type { PolicySpec } from '../spec/policy.js';
import type { BoardView, CheckerScenario } from './board-view.js';
import { blamedId, type ClassFinding } from './findings.js';
import { duplicateSeqFindings, gapFindings, orderFindings } from './gap-report.js';
import { latencyStats } from './latency.js';
import {
  asRecorded,
  type ClassTraffic,
  fateOf,
  type Message,
  outcomeOf,
  trafficByClass,
} from './messages.js';
import type { PolicyOutcome } from './policies/policy.js';
import { policyNamed } from './policies/registry.js';
import { proseOf } from './prose.js';
import { type ClassVerdict, type MessageOutcome, verdictOf } from './verdict.js';

/** Every class with a policy, then any class the history shows without one. */
export function judgeClasses(view: BoardView, scenario: CheckerScenario): ClassVerdict[] {
  const traffic = trafficByClass(view.ops, view.end);
  const names = [...new Set([...Object.keys(scenario.policies), ...traffic.keys()])];
  return names.map((cls) =>
    judgeClass(
      view,
      scenario,
      cls,
      scenario.policies[cls],
      traffic.get(cls) ?? { cls, messages: [], unknown: [], notes: [], unsent: [] },
    ),
  );
}

function judgeClass(
  view: BoardView,
  scenario: CheckerScenario,
  cls: string,
  spec: PolicySpec | undefined,
  t: ClassTraffic,
): ClassVerdict {
  const { messages } = t;
  // One pass over the messages (a soak has 10⁵–10⁶ of them): counts, latencies, the messages
  // with more than one copy, clock anomalies, whether every one has a sequence number.
  const fates = { delivered: 0, lost: 0, blocked: 0 };
  let duplicates = 0;
  const latencies = new Float64Array(messages.length);
  const repeated: Message[] = [];
  const clock: ClassFinding[] = [];
  let allSeq = true;
  for (const m of messages) {
    if (m.seq === undefined) allSeq = false;
    const fate = fateOf(m);
    fates[fate]++;
    if (fate !== 'delivered') continue;
    latencies[fates.delivered - 1] = (m.copies[0] as number) - m.emit;
    duplicates += m.copies.length - 1;
    if (m.copies.length > 1) repeated.push(m);
    clockAnomalies(m, view.tolerance, clock);
  }
  const policy = spec ? policyNamed(spec.policy) : undefined;
  const within = spec ? policy?.deadline(spec) : undefined;
  const direction = t.direction ?? 'up';
  const failures: ClassFinding[] = [];
  const info: ClassFinding[] = [];

  let outcome: PolicyOutcome | undefined;
  if (!spec) {
    if (messages.length) failures.push({ kind: 'no-policy', level: 'error', cls, emitted: messages.length });
  } else if (messages.length === 0) {
    if (t.unsent.length === 0) failures.push({ kind: 'no-emits', level: 'error', cls });
  } else {
    try {
      if (!policy) throw new Error(`no policy named ${JSON.stringify(spec.policy)}`);
      outcome = policy.judge(spec, {
        cls,
        messages,
        link: view.link,
        settle: spec.settle ?? scenario.settle,
        end: view.end,
        tolerance: view.tolerance,
        ...(view.broker && { broker: view.broker }),
      });
    } catch (e) {
      failures.push({
        kind: 'policy-failed',
        level: 'error',
        policy: spec.policy,
        error: (e as Error).message,
      });
    }
  }
  if (outcome) {
    failures.push(...outcome.failures);
    info.push(...outcome.notes);
  }
  for (const u of t.unknown)
    failures.push({ kind: 'unknown-id', level: 'fail', cls, id: u.id, copies: u.copies });
  // Judged on what was sent only: the rest never reached the board, so the class is not a pass.
  const unsent = t.unsent[0];
  if (unsent) {
    failures.push({
      kind: 'unsent',
      level: 'error',
      cls,
      ids: t.unsent.map((u) => u.id),
      sent: messages.length,
      t: unsent.t,
      why: unsent.why,
    });
  }
  // Commands are named by sequence number, as a resuming client counts them.
  const bySeq = direction === 'down' && allSeq;
  info.push(
    ...(bySeq ? duplicateSeqFindings(cls, messages) : duplicateFindings(repeated)),
    ...clock,
    ...t.notes,
  );
  if (direction === 'down')
    info.push(...gapFindings(cls, messages, view.link), ...orderFindings(cls, messages));
  const findings = [...failures, ...info].map(withRecordedMessage);
  const blamedIds = new Set(failures.flatMap(blamedId));
  const blamed = (id: string) => blamedIds.size > 0 && blamedIds.has(id);
  const marks: MessageOutcome[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    marks[i] = messageOutcome(m, within === undefined ? undefined : m.emit + within, blamed(m.id));
  }
  for (const u of t.unknown) {
    marks.push({
      id: u.id,
      direction,
      t: u.copies[0] ?? 0,
      copies: [...u.copies],
      outcome: 'unknown',
      blamed: blamed(u.id),
    });
  }
  return {
    class: cls,
    policy: spec?.policy ?? 'none',
    label: spec ? (policy?.label(spec) ?? spec.policy) : 'no policy',
    ...(within !== undefined && { deadline: within }),
    direction,
    verdict: verdictOf(findings),
    emitted: messages.length,
    delivered: fates.delivered,
    lost: fates.lost,
    blocked: fates.blocked,
    late: outcome?.late ?? 0,
    duplicates,
    latency: latencyStats(latencies.subarray(0, fates.delivered)),
    findings,
    reasons: proseOf(findings),
    messages: marks,
  };
}

/**
 * Keys in this order (summary.json keeps it), one object literal per shape: V8 keeps a hidden
 * class per literal and allocates 10⁵–10⁶ long-lived outcomes straight into the old generation.
 * `copies` is the message's own array, not a copy: neither changes after judging.
 */
function messageOutcome(m: Message, deadline: number | undefined, blamed: boolean): MessageOutcome {
  const { id, direction, emit: t, noticed, copies } = m;
  const outcome = outcomeOf(m, deadline);
  if (m.dropped) {
    const o = { id, direction, t } as MessageOutcome;
    if (noticed !== undefined) o.noticed = noticed;
    o.dropped = { ...m.dropped };
    o.copies = copies;
    if (deadline !== undefined) o.deadline = deadline;
    o.outcome = outcome;
    o.blamed = blamed;
    return o;
  }
  if (noticed === undefined) {
    return deadline === undefined
      ? { id, direction, t, copies, outcome, blamed }
      : { id, direction, t, copies, deadline, outcome, blamed };
  }
  return deadline === undefined
    ? { id, direction, t, noticed, copies, outcome, blamed }
    : { id, direction, t, noticed, copies, deadline, outcome, blamed };
}

/**
 * A finding shows its message as recorded (only the keys set, in the order their ops came: see
 * `asRecorded`), whichever policy made it.
 */
function withRecordedMessage(f: ClassFinding): ClassFinding {
  if (!('message' in f)) return f;
  const message = asRecorded(f.message);
  return message === f.message ? f : { ...f, message };
}

/** `dup`: the messages with more than one copy, in emit order. */
function duplicateFindings(dup: readonly Message[]): ClassFinding[] {
  if (dup.length === 0) return [];
  const extra = dup.reduce((n, m) => n + m.copies.length - 1, 0);
  return [
    {
      kind: 'duplicates',
      level: 'info',
      extra,
      messages: dup.map((m) => ({ id: m.id, copies: m.copies.length })),
    },
  ];
}

/**
 * Serial-derived times may trail a delivery by ε. An app that notices a message after the
 * broker has it is a clock or id problem; a library that returns from publish late (QoS 1
 * waits for its PUBACK, which an outage can lose) is shown but is no anomaly of ours.
 * Appends m's anomalies, if any, to `out`.
 */
function clockAnomalies(m: Message, eps: number, out: ClassFinding[]): void {
  const first = m.copies[0];
  if (first === undefined) return;
  if (
    !(first < m.emit) &&
    !(m.noticed !== undefined && m.noticed - first > eps) &&
    !(m.accepted !== undefined && m.accepted - first > eps)
  )
    return;
  const clock = (what: 'before-emit' | 'noticed' | 'accepted', t: number): ClassFinding => ({
    kind: 'clock',
    level: 'info',
    message: m,
    what,
    t,
    delivered: first,
    tolerance: eps,
  });
  if (first < m.emit) out.push(clock('before-emit', m.emit));
  if (m.noticed !== undefined && m.noticed - first > eps) out.push(clock('noticed', m.noticed));
  if (m.accepted !== undefined && m.accepted - first > eps) out.push(clock('accepted', m.accepted));
}
