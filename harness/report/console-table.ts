import type { BoardVerdict, Verdict } from '../checker/verdict.js';
import {
  allowedText,
  classCounts,
  cutByInterrupt,
  failingParts,
  failingReasons,
  named,
  unjudged,
  VERDICT_WORD,
} from './parts.js';
import type { BoardResult, RunInterrupted, RunResult } from './run-result.js';
import { countsForRun, type Failed, failedOf, runVerdict } from './summary-json.js';
import { printable } from './xml.js';

export interface ConsoleOptions {
  /** ANSI colours (a terminal); off for CI logs and files. */
  color: boolean;
  /** Wrap to this many columns; default: no wrapping. */
  width?: number;
  /** Where summary.json was written. */
  summaryPath?: string;
  /** Where the HTML report's index.html is, or how to build it. */
  reportPath?: string;
  /** Reason lines shown per class or check before `… N more` (default 10; all are in summary.json). */
  maxReasons?: number;
}

const SGR = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
type Style = keyof typeof SGR;

/**
 * The console's account of a run: one row per scenario × board with its verdict and a mark per
 * class and failing check, then every failure explained (one line per reason, under
 * `scenario / board`), then where the reports are. Without colour it holds no escape codes, for CI logs.
 */
export function consoleTable(run: RunResult, opts: ConsoleOptions): string {
  const paint = (s: string, ...styles: Style[]) =>
    opts.color && styles.length && s ? `\x1b[${styles.map((x) => SGR[x]).join(';')}m${s}\x1b[0m` : s;
  const verdictStyle: Record<Verdict, Style[]> = {
    pass: ['green'],
    fail: ['red', 'bold'],
    error: ['yellow', 'bold'],
  };
  const word = (v: Verdict) => paint(VERDICT_WORD[v], ...verdictStyle[v]);
  const lines: string[] = [];

  lines.push(headerLine(run, word));
  lines.push('');
  if (run.results.length === 0) {
    lines.push('  no results: nothing ran');
  } else {
    lines.push(...table(run.results, opts, paint, word));
  }

  for (const sk of run.skipped ?? [])
    lines.push(paint(`  skipped ${printable(sk.board)}: ${printable(sk.reason)}`, 'dim'));
  const failing = run.results.filter((r) => r.verdict.verdict !== 'pass');
  if (failing.length > 0) {
    lines.push('', paint('Failures', 'bold'));
    for (const r of failing) lines.push(...explained(r, opts, paint, word));
    lines.push('', whoFailed(failing, run.interrupted));
  }
  // Stopped between scenarios (or before the first): no result says so, the run does.
  if (run.interrupted && !failing.some((r) => cutByInterrupt(r.verdict)))
    lines.push('', `The run was ${interruptedBy(run.interrupted)}: the scenarios left did not run`);

  const where = [
    opts.reportPath !== undefined ? `HTML report: ${opts.reportPath.replace(/^HTML report:\s*/, '')}` : '',
    opts.summaryPath !== undefined ? `summary: ${opts.summaryPath}` : '',
  ].filter(Boolean);
  const oneLine = where.join(' | ');
  if (where.length)
    lines.push('', ...(oneLine.length <= (opts.width ?? Number.POSITIVE_INFINITY) ? [oneLine] : where));
  return `${lines.join('\n')}\n`;
}

/**
 * Whether the firmware or the rack failed: `fail` is the firmware's, `error` never is, and an
 * `error` because the run was stopped mid-scenario is no one's (summary.json's `failed`).
 */
function whoFailed(failing: readonly BoardResult[], interrupted: RunInterrupted | undefined): string {
  const n: Record<Failed, number> = { firmware: 0, rack: 0, interrupted: 0 };
  for (const r of failing) n[failedOf(r.verdict)] += 1;
  const parts = [
    n.firmware ? `firmware failed ${n.firmware}` : '',
    n.rack ? `rack (error, not carried out) ${n.rack}` : '',
  ].filter(Boolean);
  if (n.interrupted === 0) return `Who failed: ${parts.join(', ')}`;
  const cut = `the run was ${interruptedBy(interrupted)}, ${n.interrupted} not carried out`;
  return `Who failed: ${parts.length ? `${parts.join(', ')}; ${cut}` : `nobody: ${cut}`}`;
}

/** `interrupted by SIGINT (Ctrl-C)`, `interrupted by SIGTERM`, `interrupted by its caller`. */
function interruptedBy(i: RunInterrupted | undefined): string {
  if (!i) return 'interrupted';
  if (i.signal === undefined) return 'interrupted by its caller';
  return `interrupted by ${printable(i.signal)}${i.signal === 'SIGINT' ? ' (Ctrl-C)' : ''}`;
}

function headerLine(run: RunResult, word: (v: Verdict) => string): string {
  const n: Record<Verdict, number> = { pass: 0, fail: 0, error: 0 };
  for (const r of run.results) n[r.verdict.verdict] += 1;
  const quarantined = run.results.filter((r) => !countsForRun(r)).length;
  const counts = [
    `${n.pass} passed`,
    `${n.fail} failed`,
    `${n.error} error${n.error === 1 ? '' : 's'}`,
    ...(quarantined ? [`${quarantined} quarantined`] : []),
  ].join(', ');
  return `hil run ${run.started}: ${word(runVerdict(run))} (${counts})`;
}

type Paint = (s: string, ...styles: Style[]) => string;

function table(
  results: readonly BoardResult[],
  opts: ConsoleOptions,
  paint: Paint,
  word: (v: Verdict) => string,
): string[] {
  const rows = results.map((r, i) => ({
    scenario: i > 0 && results[i - 1]?.scenario.name === r.scenario.name ? '' : printable(r.scenario.name),
    board: printable(r.board.id),
    verdict: r.verdict.verdict,
    note: countsForRun(r) ? '' : ' (quarantined)',
    marks: marks(r.verdict, paint),
  }));
  const w1 = Math.max(8, ...rows.map((r) => r.scenario.length));
  const w2 = Math.max(5, ...rows.map((r) => r.board.length));
  const w3 = Math.max(7, ...rows.map((r) => VERDICT_WORD[r.verdict].length + r.note.length));
  const lead = w1 + w2 + w3 + 6;
  const out = [
    paint(`${'SCENARIO'.padEnd(w1)}  ${'BOARD'.padEnd(w2)}  ${'VERDICT'.padEnd(w3)}  DETAILS`, 'bold'),
  ];
  for (const r of rows) {
    const head = `${r.scenario.padEnd(w1)}  ${r.board.padEnd(w2)}  ${word(r.verdict)}${paint(r.note, 'dim')}${' '.repeat(w3 - VERDICT_WORD[r.verdict].length - r.note.length)}  `;
    const wrapped = wrapMarks(
      r.marks,
      opts.width === undefined ? Number.POSITIVE_INFINITY : opts.width - lead,
    );
    out.push(`${head}${wrapped[0] ?? ''}`, ...wrapped.slice(1).map((l) => `${' '.repeat(lead)}${l}`));
  }
  return out;
}

interface Mark {
  plain: string;
  shown: string;
}

/** `telemetry ok`, `button FAIL (1 late)`, then the failing checks, or `checks ok`. */
function marks(v: BoardVerdict, paint: Paint): Mark[] {
  const out: Mark[] = [];
  // Why is explained under Failures; one long reason would only widen the table.
  if (unjudged(v))
    return [{ plain: 'not judged (see below)', shown: paint('not judged (see below)', 'yellow') }];
  const mark = (name: string, verdict: Verdict, extra = '') => {
    const status = verdict === 'pass' ? 'ok' : VERDICT_WORD[verdict];
    const plain = `${printable(name)} ${status}${extra ? ` (${extra})` : ''}`;
    const styled =
      verdict === 'pass'
        ? paint(status, 'green')
        : paint(status, verdict === 'fail' ? 'red' : 'yellow', 'bold');
    out.push({ plain, shown: `${printable(name)} ${styled}${extra ? ` (${extra})` : ''}` });
  };
  // What failed, then the losses the policy allowed (which are no failure, only context).
  for (const c of v.classes)
    mark(
      c.class,
      c.verdict,
      c.verdict === 'pass' ? '' : [classCounts(c), allowedText(c)].filter(Boolean).join(', '),
    );
  const bad = v.checks.filter((c) => c.verdict !== 'pass');
  if (bad.length === 0 && v.checks.length > 0) mark('checks', 'pass');
  for (const c of bad) mark(c.check, c.verdict);
  if (out.length === 0 && v.reasons.length > 0) out.push({ plain: '-', shown: '-' });
  return out;
}

const SEP = ' | ';

/** Marks on lines no wider than `width` (a single mark wider than that gets a line of its own). */
function wrapMarks(ms: readonly Mark[], width: number): string[] {
  const lines: string[] = [];
  let plain = '';
  let shown = '';
  for (const m of ms) {
    if (plain && plain.length + SEP.length + m.plain.length > width) {
      lines.push(shown);
      plain = '';
      shown = '';
    }
    plain = plain ? `${plain}${SEP}${m.plain}` : m.plain;
    shown = shown ? `${shown}${SEP}${m.shown}` : m.shown;
  }
  if (shown) lines.push(shown);
  return lines;
}

/**
 * `scenario / board  FAIL`, then each failing part's failing reasons, one per line: what only
 * informs (an allowed loss) is not a failure and is not listed here (summary.json has it).
 */
function explained(
  r: BoardResult,
  opts: ConsoleOptions,
  paint: Paint,
  word: (v: Verdict) => string,
): string[] {
  const max = opts.maxReasons ?? 10;
  const why = r.board.reason ? `; ${printable(r.board.reason)}` : '';
  const note = countsForRun(r) ? '' : paint(` (quarantined: does not fail the run${why})`, 'dim');
  const out = [
    `  ${paint(`${printable(r.scenario.name)} / ${printable(r.board.id)}`, 'bold')}  ${word(r.verdict.verdict)}${note}`,
  ];
  for (const p of failingParts(r.verdict)) {
    const failing = failingReasons(p);
    // Board-level notes of a board whose failure its classes or checks explain.
    if (failing.length === 0 && p.verdict === 'pass') continue;
    const reasons = failing.length ? failing : [p.verdict === 'error' ? 'could not be judged' : 'failed'];
    const shown = reasons.slice(0, max);
    for (const reason of shown) out.push(...wrapText(printable(named(p, reason)), '    ', opts.width));
    if (reasons.length > shown.length) {
      out.push(`    ${p.name}: ... ${reasons.length - shown.length} more in summary.json`);
    }
  }
  return out;
}

/** One reason, indented; wrapped at spaces with a deeper hanging indent when a width is set. */
function wrapText(text: string, indent: string, width: number | undefined): string[] {
  if (width === undefined || indent.length + text.length <= width) return [`${indent}${text}`];
  const hang = `${indent}  `;
  const out: string[] = [];
  let line = '';
  let room = width - indent.length;
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > room) {
      out.push(`${out.length ? hang : indent}${line}`);
      line = word;
      room = width - hang.length;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(`${out.length ? hang : indent}${line}`);
  return out;
}
