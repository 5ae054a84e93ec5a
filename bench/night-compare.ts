// What bench/night.ts concludes from two nights' verdicts: pure, no I/O (test/unit/bench-night.test.ts).
import type { BoardVerdict } from '../harness/checker/verdict.js';

/** One scenario on one board, as a night judged it. */
export interface Cell {
  scenario: string;
  board: string;
  verdict: string;
}

/** One scenario × board of either night: its verdict in each ('—' where that night did not run it). */
export interface Row {
  scenario: string;
  board: string;
  clean: string;
  disturbed: string;
  /** A standard board (in both nights) outside the exempt scenario. */
  compared: boolean;
  same: boolean;
}

export interface NightComparison {
  /** In scenario order (as the disturbed night ran them), then board order. */
  rows: Row[];
  /** Compared rows whose verdicts differ. */
  differ: Row[];
  /** In the exempt scenario (toxiproxy-server killed), the rows whose disturbed verdict is not `error`. */
  exemptNotError: Row[];
  /** Every compared row is the same (the exempt scenario is not compared). */
  identical: boolean;
}

const NONE = '—';

/**
 * Pairs two nights' verdicts by scenario and board. `standard`: the boards to compare (the
 * clean night's rack); `exempt`: the scenario toxiproxy-server was killed in, whose boards are
 * all `error` by design, so they are not compared but checked to be `error`.
 */
export function compareNights(
  clean: readonly Cell[],
  disturbed: readonly Cell[],
  opts: { standard: readonly string[]; exempt?: string },
): NightComparison {
  const key = (c: { scenario: string; board: string }) => `${c.scenario}\0${c.board}`;
  const cleanOf = new Map(clean.map((c) => [key(c), c.verdict]));
  const disturbedOf = new Map(disturbed.map((c) => [key(c), c.verdict]));
  const scenarios = unique([...disturbed, ...clean].map((c) => c.scenario));
  const boards = unique([...opts.standard, ...clean.map((c) => c.board), ...disturbed.map((c) => c.board)]);
  const rows: Row[] = [];
  for (const scenario of scenarios) {
    for (const board of boards) {
      const k = key({ scenario, board });
      if (!cleanOf.has(k) && !disturbedOf.has(k)) continue;
      const c = cleanOf.get(k) ?? NONE;
      const d = disturbedOf.get(k) ?? NONE;
      const compared = opts.standard.includes(board) && scenario !== opts.exempt;
      rows.push({ scenario, board, clean: c, disturbed: d, compared, same: c === d });
    }
  }
  const differ = rows.filter((r) => r.compared && !r.same);
  const exemptNotError = rows.filter((r) => r.scenario === opts.exempt && r.disturbed !== 'error');
  return { rows, differ, exemptNotError, identical: differ.length === 0 };
}

function unique(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}

/**
 * Why a verdict is not a pass, in one line: the board's own reasons, then each class and check
 * that did not pass with its first reason (`alarm fail: …`), cut to `max` characters.
 */
export function whyNot(v: BoardVerdict, max = 240): string {
  const parts = [
    ...v.reasons,
    ...v.classes
      .filter((c) => c.verdict !== 'pass')
      .map((c) => `${c.class} ${c.verdict}: ${c.reasons[0] ?? ''}`),
    ...v.checks
      .filter((c) => c.verdict !== 'pass')
      .map((c) => `${c.check} ${c.verdict}: ${c.reasons[0] ?? ''}`),
  ];
  const line = parts.join(' | ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
