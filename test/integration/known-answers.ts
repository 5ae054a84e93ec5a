import { readFile } from 'node:fs/promises';

/** One row of docs/known-answers.md: what a model must get in a standard scenario. */
export interface KnownAnswer {
  scenario: string;
  model: string;
  /** Verdict per traffic class and per check, e.g. { button: 'fail', 'no-reboot': 'pass' }. */
  expected: Record<string, string>;
  /** Columns whose cell varies between runs (written `pass/fail`): judged, but not compared. */
  unstable: string[];
  line: number;
}

/**
 * Reads the known-answer tables from their Markdown: every table whose header starts with
 * `scenario | model`; every further column is a class or check, `—` where it does not apply,
 * `pass/fail` where the verdict varies between runs (left out of the comparison).
 */
export async function readKnownAnswers(path = 'docs/known-answers.md'): Promise<KnownAnswer[]> {
  const lines = (await readFile(path, 'utf8')).split('\n');
  const starts = lines.flatMap((l, i) => (/^\|\s*scenario\s*\|\s*model\s*\|/.test(l) ? [i] : []));
  if (starts.length === 0) throw new Error(`${path}: no table with a "scenario | model" header`);
  return starts.flatMap((start) => readTable(lines, start));
}

function readTable(lines: string[], start: number): KnownAnswer[] {
  const cells = (l: string) =>
    l
      .trim()
      .replace(/^\||\|$/g, '')
      .split('|')
      .map((c) => c.trim().replace(/`/g, ''));
  const header = cells(lines[start]!);
  const rows: KnownAnswer[] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.trim().startsWith('|'); i++) {
    const c = cells(lines[i]!);
    const expected: Record<string, string> = {};
    const unstable: string[] = [];
    header.slice(2).forEach((name, j) => {
      const v = (c[j + 2] ?? '').toLowerCase();
      if (!v || v === '—' || v === '-' || name === 'why') return;
      if (v.includes('/')) unstable.push(name);
      else expected[name] = v;
    });
    rows.push({ scenario: c[0]!, model: c[1]!, expected, unstable, line: i + 1 });
  }
  return rows;
}

import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../harness/checker/index.js';
import type { BoardVerdict } from '../../harness/checker/verdict.js';
import { loadSuite } from '../../harness/config/suite.js';
import { freePort } from '../../harness/network/free-port.js';
import { planScenario } from '../../harness/scenario/plan.js';
import { openRack } from '../../harness/scenario/rack.js';
import { runScenario } from '../../harness/scenario/runner.js';
import { type ModelName, modelOptions } from '../../harness/sim/model-options.js';
import type { BoardSpec, RackSpec, ScenarioSpec } from '../../harness/spec/types.js';
import { LIBRARIES, mpyBoard } from './micropython-support.js';
import { boardSpec } from './sim-support.js';

export interface MatrixCell {
  scenario: string;
  model: string;
  verdict: BoardVerdict;
}

/** The real-library boards of fixtures/boards/micropython-rack.yml: their ids are their matrix rows. */
export const REAL_BOARDS = ['mpy-simple', 'mpy-robust', 'mpy-robust2'] as const;

/**
 * Models set up as the real boards' apps and libraries, so every real row has a model row to
 * agree with: board id → its row in the table. `robust-app` is `robust` as
 * fixtures/micropython/apps/app_umqtt_robust.py uses PyPI's umqtt.robust 1.0: QoS 1 publishes
 * and subscription, `version: 1.0`. (`simple` and `robust2` at their defaults are their apps.)
 */
export const APP_MODELS: Record<
  string,
  { row: string; model: ModelName; options: Record<string, string | number> }
> = {
  'sim-robust-app': {
    row: 'robust-app',
    model: 'robust',
    options: { qos: 1, 'subscribe-qos': 1, version: '1.0' },
  },
};

/** Each real-library board's row, and the model row it must agree with. */
export const COMPARED: Record<(typeof REAL_BOARDS)[number], string> = {
  'mpy-simple': 'simple',
  'mpy-robust': 'robust-app',
  'mpy-robust2': 'robust2',
};

/** A virtual board of APP_MODELS, as boards.yml would give it. */
function appModelBoard(id: string): BoardSpec {
  const m = APP_MODELS[id]!;
  return boardSpec(id, m.model, modelOptions(m.model, m.options), `virtual-${m.row}`);
}

/** The row a board's cells go to: APP_MODELS's, else its model's, else (a real board) its id. */
function rowOf(rack: RackSpec, board: string): string {
  return APP_MODELS[board]?.row ?? rack.boards.find((b) => b.id === board)?.virtual?.model ?? board;
}

/** True when scripts/setup.sh has fetched the PyPI libraries the real-library boards run. */
export function realLibrariesPresent(): boolean {
  return Object.values(LIBRARIES)
    .flat()
    .every((f) => existsSync(f.slice(0, f.lastIndexOf(':'))));
}

/**
 * The virtual rack of boards.yml plus APP_MODELS, with its broker and Toxiproxy on free loopback
 * ports; with `real`, plus one WebAssembly MicroPython board per real library (REAL_BOARDS,
 * `wifi: agent` like the models), so models and libraries meet the same faults on the same rack.
 */
export async function virtualRack(
  opts: { real?: boolean } = {},
): Promise<{ rack: RackSpec; scenarios: ScenarioSpec[] }> {
  const suite = await loadSuite('boards.yml', ['scenarios']);
  if (!suite.rack || suite.diagnostics.length) throw new Error('boards.yml or scenarios/ do not validate');
  const real = opts.real
    ? [mpyBoard('mpy-simple', 'simple'), mpyBoard('mpy-robust', 'robust'), mpyBoard('mpy-robust2', 'robust2')]
    : [];
  const rack: RackSpec = {
    ...suite.rack,
    boards: [...suite.rack.boards, ...Object.keys(APP_MODELS).map(appModelBoard), ...real],
    broker: { listen: { host: '127.0.0.1', port: 0 } },
    toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
  };
  return { rack, scenarios: suite.scenarios };
}

/**
 * Runs each scenario on every virtual board at once. Scenarios run side by side, each on a
 * rack of its own (its own toxiproxy-server and broker on free ports), so a broker restart in
 * one cannot touch another; `concurrency` bounds how many run at a time.
 */
export async function runMatrix(
  scenarios: readonly ScenarioSpec[],
  rack: RackSpec,
  onCell: (cell: MatrixCell) => void = () => {},
  concurrency = 4,
): Promise<MatrixCell[]> {
  const dir = await mkdtemp(join(tmpdir(), 'hil-matrix-'));
  const cells: MatrixCell[] = [];
  const queue = [...scenarios];
  const worker = async () => {
    for (let sc = queue.shift(); sc; sc = queue.shift()) {
      const own: RackSpec = {
        ...rack,
        toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
      };
      const services = await openRack(own);
      try {
        const run = await runScenario({
          plan: planScenario(own, sc),
          services,
          dir: join(dir, sc.name),
          runId: 'matrix',
          epoch: 1,
        });
        for (const h of run.histories) {
          const cell = { scenario: sc.name, model: rowOf(rack, h.board), verdict: check(h, sc) };
          cells.push(cell);
          onCell(cell);
        }
      } finally {
        await services.close();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    // HIL_MATRIX_KEEP=1 keeps every history and log, to see why a cell came out as it did.
    if (process.env.HIL_MATRIX_KEEP) process.stderr.write(`matrix histories kept in ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
  return cells;
}

/** The verdict per class and check of one cell, as the table writes it. */
export function observed(cell: MatrixCell): Record<string, string> {
  return Object.fromEntries([
    ...cell.verdict.classes.map((c) => [c.class, c.verdict]),
    ...cell.verdict.checks.map((c) => [c.check, c.verdict]),
  ]);
}
