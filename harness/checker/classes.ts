import type { PolicySpec } from '../spec/policy.js';
import type { BoardView, CheckerScenario } from './board-view.js';
import { who } from './explain.js';
import { at, dur, listOf, small } from './format.js';
import { duplicateSeqLines, gapLines, orderLines } from './gap-report.js';
import { latencyStats } from './latency.js';
import { type ClassTraffic, fateOf, type Message, trafficByClass } from './messages.js';
import type { PolicyOutcome } from './policies/judge.js';
import { judgePolicy } from './policies/judges.js';
import { type ClassVerdict, type Verdict, worst } from './verdict.js';

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
      traffic.get(cls) ?? { cls, messages: [], unknown: [], notes: [] },
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
  const fates = messages.map(fateOf);
  const result: ClassVerdict = {
    class: cls,
    policy: spec?.policy ?? 'none',
    direction: t.direction ?? 'up',
    verdict: 'pass',
    emitted: messages.length,
    delivered: fates.filter((f) => f === 'delivered').length,
    lost: fates.filter((f) => f === 'lost').length,
    blocked: fates.filter((f) => f === 'blocked').length,
    late: 0,
    duplicates: messages.reduce((n, m) => n + Math.max(0, m.copies.length - 1), 0),
    latency: latencyStats(
      messages.filter((m) => m.copies.length > 0).map((m) => (m.copies[0] as number) - m.emit),
    ),
    reasons: [],
  };
  const verdicts: Verdict[] = [];
  const failures: string[] = [];
  const info: string[] = [];

  let outcome: PolicyOutcome | undefined;
  if (!spec) {
    if (messages.length) {
      verdicts.push('error');
      failures.push(`${cls}: ${messages.length} emitted but the scenario gives the class no policy`);
    }
  } else if (messages.length === 0) {
    verdicts.push('error');
    failures.push(`no ${cls} message was emitted: nothing to judge`);
  } else {
    try {
      outcome = judgePolicy(spec, {
        cls,
        messages,
        link: view.link,
        settle: spec.settle ?? scenario.settle,
        end: view.end,
        tolerance: view.tolerance,
      });
    } catch (e) {
      verdicts.push('error');
      failures.push(`the ${spec.policy} checker failed: ${(e as Error).message}`);
    }
  }
  if (outcome) {
    result.late = outcome.late;
    if (outcome.failures.length) verdicts.push('fail');
    failures.push(...outcome.failures);
    info.push(...outcome.notes);
  }
  for (const u of t.unknown) {
    verdicts.push('fail');
    const copies = listOf(u.copies.map(at), 4);
    failures.push(`${cls} ${u.id} delivered ${copies} but was never emitted (unknown id)`);
  }
  // Commands are named by sequence number, as a resuming client counts them.
  const bySeq = result.direction === 'down' && messages.every((m) => m.seq !== undefined);
  info.push(
    ...(bySeq ? duplicateSeqLines(cls, messages) : duplicateLines(messages)),
    ...anomalies(messages, view.tolerance),
    ...t.notes,
  );
  if (result.direction === 'down')
    info.push(...gapLines(cls, messages, view.link), ...orderLines(cls, messages));
  result.verdict = worst(...verdicts);
  result.reasons = [...failures, ...info];
  return result;
}

function duplicateLines(messages: readonly Message[]): string[] {
  const dup = messages.filter((m) => m.copies.length > 1);
  if (dup.length === 0) return [];
  const extra = dup.reduce((n, m) => n + m.copies.length - 1, 0);
  return [
    `${extra} duplicate ${extra === 1 ? 'copy' : 'copies'}: ${listOf(dup.map((m) => `${m.id} ×${m.copies.length}`))}`,
  ];
}

/**
 * Serial-derived times may trail a delivery by ε. An app that notices a message after the
 * broker has it is a clock or id problem; a library that returns from publish late (QoS 1
 * waits for its PUBACK, which an outage can lose) is shown but is no anomaly of ours.
 */
function anomalies(messages: readonly Message[], eps: number): string[] {
  const out: string[] = [];
  for (const m of messages) {
    const first = m.copies[0];
    if (first === undefined) continue;
    if (first < m.emit)
      out.push(`${who(m)} delivered at ${at(first)}, before its emit at ${at(m.emit)} (clock or id problem)`);
    if (m.noticed !== undefined && m.noticed - first > eps) {
      out.push(
        `${who(m)} noticed ${at(m.noticed)}, ${small(m.noticed - first)} after its delivery at ${at(first)} (more than ε ${dur(eps)}: clock or id problem)`,
      );
    }
    if (m.accepted !== undefined && m.accepted - first > eps) {
      out.push(
        `${who(m)} accepted ${at(m.accepted)}, ${small(m.accepted - first)} after its delivery at ${at(first)} (the library returned late: a slow or lost acknowledgement)`,
      );
    }
  }
  return out;
}
