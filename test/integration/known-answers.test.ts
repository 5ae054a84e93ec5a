import { expect } from 'chai';
import {
  COMPARED,
  type KnownAnswer,
  type MatrixCell,
  observed,
  REAL_BOARDS,
  readKnownAnswers,
  realLibrariesPresent,
  runMatrix,
  virtualRack,
} from './known-answers.js';

/**
 * The known-answer matrix: every standard scenario on every virtual model and, side by side on
 * the same racks, every real library (real MicroPython, REAL_BOARDS), judged by the checker,
 * against the tables in docs/known-answers.md. All mismatches are reported at once.
 */
describe('known-answer matrix (docs/known-answers.md) on the virtual rack', function () {
  this.timeout(15 * 60_000);
  let table: KnownAnswer[];
  let cells: MatrixCell[];
  let real: boolean;

  before(async () => {
    // Without scripts/setup.sh's libraries the real-library rows are skipped, saying so; in CI that fails.
    real = realLibrariesPresent();
    if (!real && process.env.CI === 'true')
      throw new Error('MicroPython libraries missing: run scripts/setup.sh');
    if (!real) console.log('      real-library rows skipped: run scripts/setup.sh to fetch the libraries');
    table = (await readKnownAnswers()).filter(
      (r) => real || !(REAL_BOARDS as readonly string[]).includes(r.model),
    );
    const { rack, scenarios } = await virtualRack({ real });
    cells = await runMatrix(scenarios, rack, () => {}, Number(process.env.HIL_MATRIX_CONCURRENCY ?? 8));
  });

  it('has one row per standard scenario and model, and no other', () => {
    const rows = table.map((r) => `${r.scenario}/${r.model}`).sort();
    expect(rows).to.deep.equal(cells.map((c) => `${c.scenario}/${c.model}`).sort());
  });

  it('gives every model the verdict its library earns, class by class and check by check', () => {
    const mismatches: string[] = [];
    for (const row of table) {
      const cell = cells.find((c) => c.scenario === row.scenario && c.model === row.model);
      if (!cell) continue;
      const got = observed(cell);
      for (const [name, want] of Object.entries(row.expected)) {
        if (got[name] !== want) {
          const reasons = [
            ...cell.verdict.classes.filter((c) => c.class === name).flatMap((c) => c.reasons),
            ...cell.verdict.checks.filter((c) => c.check === name).flatMap((c) => c.reasons),
          ];
          mismatches.push(
            `docs/known-answers.md:${row.line}: ${row.scenario} ${row.model} ${name}: expected ${want}, got ${got[name] ?? 'nothing'}${reasons.length ? `\n      ${reasons.slice(0, 3).join('\n      ')}` : ''}`,
          );
        }
      }
      const judged = Object.keys(got).filter((k) => !(k in row.expected) && !row.unstable.includes(k));
      if (judged.length)
        mismatches.push(
          `docs/known-answers.md:${row.line}: ${row.scenario} ${row.model}: the table has no column for ${judged.join(', ')}`,
        );
    }
    expect(mismatches, `\n${mismatches.join('\n')}`).to.deep.equal([]);
  });

  it('gives each real library the verdicts of the model row it is compared with (issue 16)', function () {
    if (!real) this.skip();
    const varies = (model: string, scenario: string) =>
      table.find((r) => r.model === model && r.scenario === scenario)?.unstable ?? [];
    const differences: string[] = [];
    for (const [realRow, modelRow] of Object.entries(COMPARED)) {
      for (const lib of cells.filter((c) => c.model === realRow)) {
        const model = cells.find((c) => c.scenario === lib.scenario && c.model === modelRow);
        if (!model) {
          differences.push(`${lib.scenario}: no ${modelRow} cell to compare ${realRow} with`);
          continue;
        }
        const [a, b] = [observed(lib), observed(model)];
        const skip = [...varies(realRow, lib.scenario), ...varies(modelRow, lib.scenario)];
        for (const name of new Set([...Object.keys(a), ...Object.keys(b)]))
          if (a[name] !== b[name] && !skip.includes(name))
            differences.push(`${lib.scenario} ${name}: ${realRow} ${a[name]}, ${modelRow} ${b[name]}`);
      }
    }
    expect(differences, `\n${differences.join('\n')}`).to.deep.equal([]);
  });

  it('never passes robust on a button deadline after a 20 s outage; fails resilient only for what the broker lost', () => {
    const robust = cells.find((c) => c.scenario === 'wifi-drop-20s' && c.model === 'robust')!;
    expect(robust.verdict.classes.find((c) => c.class === 'button')?.verdict).to.equal('fail');
    for (const c of cells.filter((c) => c.model === 'resilient')) {
      for (const check of c.verdict.checks)
        expect(check.verdict, `${c.scenario} ${check.check}`).to.equal('pass');
      for (const cv of c.verdict.classes.filter((v) => v.verdict !== 'pass')) {
        // Per-message lines start `<class> <id> `; gap lines `<class> seq `.
        const lines = cv.reasons.filter(
          (r) => r.startsWith(`${cv.class} `) && !r.startsWith(`${cv.class} seq `),
        );
        expect(lines, `${c.scenario} ${cv.class}`).to.not.be.empty;
        for (const line of lines) expect(line, `${c.scenario}`).to.include('lost at broker');
      }
    }
  });
});
