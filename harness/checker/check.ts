import type { History, OpOf } from '../history/ops.js';
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
  if (history.offProxy !== undefined) {
    return unjudged(scenario, {
      kind: 'off-proxy',
      level: 'error',
      board: history.board,
      ...history.offProxy,
    });
  }
  if (history.notReady !== undefined) {
    return unjudged(scenario, {
      kind: 'not-ready',
      level: 'error',
      board: history.board,
      why: history.notReady,
    });
  }
  // Stopped early, an outage never healed or a message still on its way would read as a failure.
  if (history.interrupted !== undefined) {
    return unjudged(scenario, {
      kind: 'interrupted',
      level: 'error',
      board: history.board,
      ...(history.interrupted.at !== undefined && { at: history.interrupted.at }),
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
  // Found once: each use would otherwise scan every op again.
  const gone = goneOf(view);
  const board = boardProblems(view, gone);
  const classes = judgeClasses(view, scenario).map((c) =>
    withUnseenFaults(cutShortClass(c, gone), view, scenario.settle),
  );
  const checks: CheckVerdict[] = scenario.checks.map((spec) => {
    let findings: CheckFinding[];
    try {
      const def = checkNamed(spec.check);
      if (!def) throw new Error(`no check named ${JSON.stringify(spec.check)}`);
      findings = def.judge(spec, view).findings;
      if (def.restsOnFaults) findings = [...cutShort(findings, view, gone), ...view.unconfirmed];
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

/** When the board's serial line went away for good, and why. */
interface Lost {
  t: number;
  msg: string;
  /** Away and never back, with no `gone` error recorded (the history ended first). */
  notBack?: true;
}

/**
 * When the board's serial line went away for good, if it did: what was not seen after it went
 * unseen. A port away and back is no loss; one that never came back is lost from its `port-away`.
 */
function goneOf(view: BoardView): Lost | undefined {
  let away: OpOf<'port-away'> | undefined;
  for (const op of view.ops) {
    if (op.kind === 'port-away') away = op;
    else if (op.kind === 'port-back') away = undefined;
    else if (op.kind === 'error' && op.gone) return { t: away?.t ?? op.t, msg: op.msg };
  }
  return away && { t: away.t, msg: `${away.msg}; it was not back when the history ended`, notBack: true };
}

/** A failure that is an absence (no reconnect, no boot) after the line went away is hil's trouble. */
function cutShort(findings: CheckFinding[], view: BoardView, gone: Lost | undefined): CheckFinding[] {
  if (!gone) return findings;
  return findings.map((f) =>
    (f.kind === 'never-reconnected' && gone.t <= view.end) ||
    ((f.kind === 'reboot-never-reconnected' || f.kind === 'reboot-no-boot') && gone.t >= f.start)
      ? { kind: 'cut-short', level: 'error', t: gone.t, msg: gone.msg, instead: f }
      : f,
  );
}

/**
 * A message not seen to arrive because the line was gone: a command (its receipt is the agent's
 * word) or anything emitted after the line went away.
 */
function cutShortClass(c: ClassVerdict, gone: Lost | undefined): ClassVerdict {
  if (!gone) return c;
  let changed = false;
  const findings: ClassFinding[] = c.findings.map((f) => {
    if (f.kind !== 'undelivered' || (f.message.direction !== 'down' && f.message.emit < gone.t)) return f;
    changed = true;
    return { kind: 'cut-short', level: 'error', t: gone.t, msg: gone.msg, instead: f };
  });
  if (!changed) return c;
  return { ...c, verdict: verdictOf(findings), findings, reasons: proseOf(findings) };
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
function boardProblems(view: BoardView, gone: Lost | undefined): BoardFinding[] {
  const out: BoardFinding[] = [...view.link.problems, ...view.unconfirmed];
  // Some boot at or after a reboot's start: the latest boot is.
  let lastBoot = Number.NEGATIVE_INFINITY;
  for (const op of view.ops) {
    if (op.kind === 'boot' && op.t > lastBoot) lastBoot = op.t;
    if (op.kind === 'error') out.push({ kind: 'runner-error', level: 'error', t: op.t, msg: op.msg });
    if (op.kind === 'agent-error') out.push({ kind: 'agent-error', level: 'info', t: op.t, msg: op.msg });
    if (op.kind === 'board-reset') {
      const { t, why, method, outcome, ms, detail } = op;
      out.push({
        kind: 'board-reset',
        level: 'info',
        t,
        why,
        method,
        outcome,
        ms,
        ...(detail !== undefined && { detail }),
      });
    }
  }
  // The run ended while hil still waited for the port: as much the runner's trouble as a `gone`.
  if (gone?.notBack) out.push({ kind: 'runner-error', level: 'error', t: gone.t, msg: gone.msg });
  for (const r of view.link.outages) {
    if (r.kind !== 'reboot' || Number.isFinite(r.end)) continue;
    const booted = lastBoot >= r.start;
    const f: BoardFinding = booted
      ? { kind: 'reboot-not-back', level: 'fail', start: r.start }
      : { kind: 'reboot-no-boot', level: 'error', start: r.start };
    out.push(
      gone && gone.t >= r.start
        ? { kind: 'cut-short', level: 'error', t: gone.t, msg: gone.msg, instead: f }
        : f,
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
