import type { History } from '../history/ops.js';
import { type BoardView, boardView, type CheckerScenario } from './board-view.js';
import { noHang } from './checks/no-hang.js';
import { checkNamed } from './checks/registry.js';
import { judgeClasses } from './classes.js';
import type { BoardFinding, CheckFinding, ClassFinding, Unjudged } from './findings.js';
import { policyLabel } from './policies/registry.js';
import { proseOf } from './prose.js';
import type { BoardVerdict, CheckVerdict, ClassVerdict } from './verdict.js';
import { verdictOf, worst } from './verdict.js';

export type { CheckerScenario } from './board-view.js';

/**
 * Judges one scenario on one board: every class against its policy, every declared health
 * check, and the serial watchdog. Pure: no I/O, no clock; the same history gives the same verdict.
 */
export function check(history: History, scenario: CheckerScenario): BoardVerdict {
  if (history.notReady !== undefined) {
    return unjudged(scenario, {
      kind: 'not-ready',
      level: 'error',
      board: history.board,
      why: history.notReady,
    });
  }
  try {
    const view = boardView(history, scenario);
    if (view.ops.length === 0)
      return unjudged(scenario, { kind: 'empty-history', level: 'error', board: history.board });
    return judged(view, scenario);
  } catch (e) {
    return unjudged(scenario, { kind: 'checker-failed', level: 'error', error: (e as Error).message });
  }
}

function judged(view: BoardView, scenario: CheckerScenario): BoardVerdict {
  const board = boardProblems(view);
  const classes = judgeClasses(view, scenario).map((c) => withUnseenFaults(c, view, scenario.settle));
  const checks: CheckVerdict[] = scenario.checks.map((spec) => {
    let findings: CheckFinding[];
    try {
      const def = checkNamed(spec.check);
      if (!def) throw new Error(`no check named ${JSON.stringify(spec.check)}`);
      findings = def.judge(spec, view).findings;
      if (def.restsOnFaults) findings = [...findings, ...view.unconfirmed];
    } catch (e) {
      findings = [{ kind: 'check-failed', level: 'error', error: (e as Error).message }];
    }
    return checkVerdict(spec.check, findings);
  });
  checks.push(checkVerdict('no-hang', noHang(view).findings));
  if (Object.keys(scenario.policies).length === 0 && scenario.checks.length === 0) {
    board.push({ kind: 'nothing-to-judge', level: 'error' });
  }
  return {
    verdict: worst(verdictOf(board), ...classes.map((c) => c.verdict), ...checks.map((c) => c.verdict)),
    classes,
    checks,
    findings: board,
    reasons: proseOf(board),
  };
}

function checkVerdict(check: string, findings: CheckFinding[]): CheckVerdict {
  return { check, verdict: verdictOf(findings), findings, reasons: proseOf(findings) };
}

/**
 * A class with messages emitted while a fault not seen to act was in place (or settling after
 * it) was judged on an outage that may never have happened: `error`, with the fault named.
 */
function withUnseenFaults(c: ClassVerdict, view: BoardView, settle: number): ClassVerdict {
  const eps = view.tolerance;
  const hit = view.unconfirmed.filter((f) => {
    const until = (f.end ?? view.end) + settle;
    return c.messages.some((m) => m.t > f.start - eps && m.t <= until);
  });
  if (!hit.length) return c;
  const findings: ClassFinding[] = [...c.findings, ...hit];
  return { ...c, verdict: worst(c.verdict, 'error'), findings, reasons: proseOf(findings) };
}

/** What concerns the board as a whole: an incomplete history, a runner error, a reboot that never came back. */
function boardProblems(view: BoardView): BoardFinding[] {
  const out: BoardFinding[] = [...view.link.problems, ...view.unconfirmed];
  for (const op of view.ops) {
    if (op.kind === 'error') out.push({ kind: 'runner-error', level: 'error', t: op.t, msg: op.msg });
    if (op.kind === 'agent-error') out.push({ kind: 'agent-error', level: 'info', t: op.t, msg: op.msg });
  }
  // Some boot at or after a reboot's start: the latest boot is.
  let lastBoot = Number.NEGATIVE_INFINITY;
  for (const op of view.ops) if (op.kind === 'boot' && op.t > lastBoot) lastBoot = op.t;
  for (const r of view.link.outages) {
    if (r.kind !== 'reboot' || Number.isFinite(r.end)) continue;
    const booted = lastBoot >= r.start;
    out.push(
      booted
        ? { kind: 'reboot-not-back', level: 'fail', start: r.start }
        : { kind: 'reboot-no-boot', level: 'error', start: r.start },
    );
  }
  return out;
}

/** The history cannot be judged: every class and check is `error`, never `pass`. */
function unjudged(scenario: CheckerScenario, why: Unjudged): BoardVerdict {
  const reasons = proseOf([why]);
  const classes: ClassVerdict[] = Object.entries(scenario.policies).map(([cls, spec]) => ({
    class: cls,
    policy: spec.policy,
    label: policyLabel(spec),
    direction: 'up',
    verdict: 'error',
    emitted: 0,
    delivered: 0,
    lost: 0,
    blocked: 0,
    late: 0,
    duplicates: 0,
    latency: null,
    findings: [why],
    reasons,
    messages: [],
  }));
  const checks: CheckVerdict[] = [...scenario.checks.map((c) => c.check), 'no-hang'].map((name) =>
    checkVerdict(name, [why]),
  );
  return { verdict: 'error', classes, checks, findings: [why], reasons };
}
