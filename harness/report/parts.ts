import { type Finding, isUnjudged } from '../checker/findings.js';
import { fateOf } from '../checker/messages.js';
import type { BoardVerdict, ClassVerdict, Verdict } from '../checker/verdict.js';

/** One judged part of a board's verdict: the board itself, a class, or a health check. */
export interface Part {
  kind: 'board' | 'class' | 'check';
  /** The class or check name; `board` for board-level reasons. */
  name: string;
  verdict: Verdict;
  findings: readonly Finding[];
  /** The findings' prose (checker/prose.ts), line for line. */
  reasons: readonly string[];
}

/** Board-level reasons first, then classes, then checks, in the verdict's order. */
export function partsOf(v: BoardVerdict): Part[] {
  const parts: Part[] = [];
  if (v.reasons.length > 0) {
    // Board reasons carry no verdict of their own: they explain the board's when nothing else does.
    const explained = [...v.classes, ...v.checks].some((p) => p.verdict === v.verdict);
    parts.push({
      kind: 'board',
      name: 'board',
      verdict: explained ? 'pass' : v.verdict,
      findings: v.findings,
      reasons: v.reasons,
    });
  }
  for (const c of v.classes)
    parts.push({
      kind: 'class',
      name: c.class,
      verdict: c.verdict,
      findings: c.findings,
      reasons: c.reasons,
    });
  for (const c of v.checks)
    parts.push({
      kind: 'check',
      name: c.check,
      verdict: c.verdict,
      findings: c.findings,
      reasons: c.reasons,
    });
  return parts;
}

/**
 * The part only says the board could not be judged (never ready, stopped by an interrupt, empty
 * history, a checker that threw).
 */
function onlyUnjudged(p: { findings: readonly Finding[] }): boolean {
  return p.findings.length > 0 && p.findings.every(isUnjudged);
}

/**
 * The parts that are not `pass`, with board-level reasons always kept (they say why, e.g. never
 * ready). A part that only repeats the board's reasons (an unjudged board) adds nothing and is left out.
 */
export function failingParts(v: BoardVerdict): Part[] {
  return partsOf(v).filter((p) => p.kind === 'board' || (p.verdict !== 'pass' && !onlyUnjudged(p)));
}

/** Nothing was judged: every class and check only repeats the board's reason (never ready, empty history). */
export function unjudged(v: BoardVerdict): boolean {
  return onlyUnjudged(v) && [...v.classes, ...v.checks].every(onlyUnjudged);
}

/**
 * The run was stopped (Ctrl-C, SIGTERM, its caller) before this scenario's end: `error`, but
 * neither the firmware's failure nor the rack's.
 */
export function cutByInterrupt(v: Pick<BoardVerdict, 'findings'>): boolean {
  return v.findings.some((f) => f.kind === 'interrupted');
}

/** What failed a class, counted from its failing findings: allowed losses are not in them. */
export interface FailCounts {
  /** Undelivered and failing: the library accepted it (or, down traffic, it was sent). */
  lost: number;
  /** Undelivered and failing: the app never noticed it or the library never accepted it. */
  blocked: number;
  /** Delivered past its deadline (retry-within) or max-age (drop). */
  late: number;
  /** Copies beyond what the policy allows (exactly-once, duplicates forbidden). */
  duplicates: number;
  /** Not delivered, and allowed by the policy (emitted while the link was down or unsettled). */
  allowed: number;
}

/**
 * The counts of a class as its verdict has them: a message counts as lost, blocked, late or
 * duplicated only when a failing finding names it; the policy's excused losses are `allowed`.
 * (ClassVerdict's `lost` and `blocked` count every undelivered message, allowed or not.)
 */
export function failCounts(c: ClassVerdict): FailCounts {
  const n: FailCounts = { lost: 0, blocked: 0, late: 0, duplicates: 0, allowed: 0 };
  for (const f of c.findings) {
    if (f.kind === 'excused') n.allowed += f.ids.length;
    if (f.level === 'info') continue;
    if (f.kind === 'undelivered') {
      const fate = fateOf(f.message);
      if (fate !== 'delivered') n[fate] += 1;
    } else if (f.kind === 'misdelivered') {
      if (f.problems.some((p) => p.kind === 'stale' || p.kind === 'too-old')) n.late += 1;
      for (const p of f.problems) if (p.kind === 'copies') n.duplicates += p.copies - 1;
    }
  }
  return n;
}

/**
 * `1 late, 2 blocked`: what failed the class, counted from its failing findings; empty when no
 * message did (a check, an unjudged class). Allowed losses are not counted here (`allowedText`).
 */
export function classCounts(c: ClassVerdict): string {
  const n = failCounts(c);
  const items: Array<[number, string]> = [
    [n.lost, 'lost'],
    [n.blocked, 'blocked'],
    [n.late, 'late'],
    [n.duplicates, n.duplicates === 1 ? 'duplicate' : 'duplicates'],
  ];
  return items
    .filter(([count]) => count > 0)
    .map(([count, what]) => `${count} ${what}`)
    .join(', ');
}

/** `10 allowed losses`: the messages the policy let go undelivered; empty when none. */
export function allowedText(c: ClassVerdict): string {
  const n = failCounts(c).allowed;
  return n > 0 ? `${n} allowed ${n === 1 ? 'loss' : 'losses'}` : '';
}

/** `button (fail): 44 emitted: 29 delivered, 3 lost, 12 blocked, 1 duplicate`, for a tooltip. */
export function classSummary(c: ClassVerdict): string {
  const parts = [
    `${c.delivered} delivered`,
    ...(c.lost ? [`${c.lost} lost`] : []),
    ...(c.blocked ? [`${c.blocked} blocked`] : []),
    ...(c.late ? [`${c.late} late`] : []),
    ...(c.duplicates ? [`${c.duplicates} duplicate${c.duplicates === 1 ? '' : 's'}`] : []),
  ];
  return `${c.class} (${c.verdict}): ${c.emitted} emitted: ${parts.join(', ')}`;
}

/** `button: 2 late; alarm: 1 lost; no-traceback`: what failed, on one line. */
export function headline(v: BoardVerdict): string {
  const parts = failingParts(v)
    .filter((p) => p.kind !== 'board' || p.verdict !== 'pass')
    .map((p) => {
      const c = p.kind === 'class' ? v.classes.find((x) => x.class === p.name) : undefined;
      const counts = c ? classCounts(c) : '';
      if (p.kind === 'board') return p.reasons[0] ?? 'board';
      return counts ? `${p.name}: ${counts}` : `${p.name}: ${p.verdict}`;
    });
  return parts.length > 0 ? parts.join('; ') : (v.reasons[0] ?? v.verdict);
}

/**
 * A part's reasons that say why it failed: those whose finding (line for line) is `fail` or
 * `error`. An `info` line (an allowed loss, a duplicate the policy allows, the slowest
 * reconnect) only explains, and is left out. A reason without a finding (a verdict made by
 * hand) is kept.
 */
export function failingReasons(p: Pick<Part, 'findings' | 'reasons'>): string[] {
  return p.reasons.filter((_, i) => p.findings[i]?.level !== 'info');
}

/** Every failing reason of every part that is not `pass`, each naming its part. */
export function reasonLines(v: BoardVerdict): string[] {
  return failingParts(v).flatMap((p) => failingReasons(p).map((reason) => named(p, reason)));
}

/** `no-traceback: Traceback at …`; a class's lines already start with its name (`button b-1 …`). */
export function named(p: Pick<Part, 'name'>, reason: string): string {
  return reason.startsWith(`${p.name} `) ? reason : `${p.name}: ${reason}`;
}

export const VERDICT_WORD: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' };
