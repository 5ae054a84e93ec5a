import type { History } from '../history/ops.js';
import { type BoardView, boardView, type CheckerScenario } from './board-view.js';
import { noHang } from './checks/no-hang.js';
import { runCheck } from './checks/registry.js';
import { judgeClasses } from './classes.js';
import { at } from './format.js';
import type { BoardVerdict, CheckVerdict, ClassVerdict, Verdict } from './verdict.js';
import { worst } from './verdict.js';

export type { CheckerScenario } from './board-view.js';

/**
 * Judges one scenario on one board: every class against its policy, every declared health
 * check, and the serial watchdog. Pure: no I/O, no clock; the same history gives the same verdict.
 */
export function check(history: History, scenario: CheckerScenario): BoardVerdict {
  if (history.notReady !== undefined) {
    return unjudged(scenario, `board ${history.board} never got ready: ${history.notReady}`);
  }
  try {
    const view = boardView(history, scenario);
    if (view.ops.length === 0)
      return unjudged(scenario, `empty history: nothing was recorded for ${history.board}`);
    return judged(view, scenario);
  } catch (e) {
    return unjudged(scenario, `the checker failed: ${(e as Error).message}`);
  }
}

function judged(view: BoardView, scenario: CheckerScenario): BoardVerdict {
  const board = boardProblems(view);
  const classes = judgeClasses(view, scenario);
  const checks: CheckVerdict[] = scenario.checks.map((spec) => {
    try {
      return { check: spec.check, ...runCheck(spec, view) };
    } catch (e) {
      return { check: spec.check, verdict: 'error', reasons: [`the check failed: ${(e as Error).message}`] };
    }
  });
  checks.push({ check: 'no-hang', ...noHang(view) });
  if (Object.keys(scenario.policies).length === 0 && scenario.checks.length === 0) {
    board.push({ verdict: 'error', reason: 'nothing to judge: the scenario has no policies and no checks' });
  }
  return {
    verdict: worst(
      ...board.map((b) => b.verdict),
      ...classes.map((c) => c.verdict),
      ...checks.map((c) => c.verdict),
    ),
    classes,
    checks,
    reasons: board.map((b) => b.reason),
  };
}

/** What concerns the board as a whole: an incomplete history, a runner error, a reboot that never came back. */
function boardProblems(view: BoardView): Array<{ verdict: Verdict; reason: string }> {
  const out: Array<{ verdict: Verdict; reason: string }> = view.link.problems.map((reason) => ({
    verdict: 'error',
    reason,
  }));
  for (const op of view.ops) {
    if (op.kind === 'error')
      out.push({ verdict: 'error', reason: `the runner could not go on at ${at(op.t)}: ${op.msg}` });
    if (op.kind === 'agent-error')
      out.push({ verdict: 'pass', reason: `agent error at ${at(op.t)}: ${op.msg}` });
  }
  for (const r of view.link.outages) {
    if (r.kind !== 'reboot' || Number.isFinite(r.end)) continue;
    const booted = view.ops.some((o) => o.kind === 'boot' && o.t >= r.start);
    out.push(
      booted
        ? {
            verdict: 'fail',
            reason: `restarted after the reboot at ${at(r.start)} but never reconnected to the broker`,
          }
        : {
            verdict: 'error',
            reason: `no boot seen after the reboot at ${at(r.start)}: the board's reset method may not work`,
          },
    );
  }
  return out;
}

/** The history cannot be judged: every class and check is `error`, never `pass`. */
function unjudged(scenario: CheckerScenario, reason: string): BoardVerdict {
  const classes: ClassVerdict[] = Object.entries(scenario.policies).map(([cls, spec]) => ({
    class: cls,
    policy: spec.policy,
    direction: 'up',
    verdict: 'error',
    emitted: 0,
    delivered: 0,
    lost: 0,
    blocked: 0,
    late: 0,
    duplicates: 0,
    latency: null,
    reasons: [reason],
  }));
  const checks: CheckVerdict[] = [...scenario.checks.map((c) => c.check), 'no-hang' as const].map((name) => ({
    check: name,
    verdict: 'error',
    reasons: [reason],
  }));
  return { verdict: 'error', classes, checks, reasons: [reason] };
}
