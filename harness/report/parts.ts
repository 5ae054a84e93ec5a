import type { Finding } from '../checker/findings.js';
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

const UNJUDGED = new Set<Finding['kind']>(['not-ready', 'off-proxy', 'empty-history', 'checker-failed']);

/** The part only says the board could not be judged (never ready, empty history, a checker that threw). */
function onlyUnjudged(p: { findings: readonly Finding[] }): boolean {
  return p.findings.length > 0 && p.findings.every((f) => UNJUDGED.has(f.kind));
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

/** `2 late, 1 lost`: the counts a person looks at first; empty when all is well. */
export function classCounts(c: ClassVerdict): string {
  const items: Array<[number, string]> = [
    [c.lost, 'lost'],
    [c.blocked, 'blocked'],
    [c.late, 'late'],
    [c.duplicates, c.duplicates === 1 ? 'duplicate' : 'duplicates'],
  ];
  return items
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ');
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

/** Every reason of every part that is not `pass`, each naming its part. */
export function reasonLines(v: BoardVerdict): string[] {
  return failingParts(v).flatMap((p) => p.reasons.map((reason) => named(p, reason)));
}

/** `no-traceback: Traceback at …`; a class's lines already start with its name (`button b-1 …`). */
export function named(p: Pick<Part, 'name'>, reason: string): string {
  return reason.startsWith(`${p.name} `) ? reason : `${p.name}: ${reason}`;
}

export const VERDICT_WORD: Record<Verdict, string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR' };
