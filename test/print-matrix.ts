// Runs the known-answer matrix on the virtual rack and prints what each model got, with the
// reasons, to compare with (or rewrite) docs/known-answers.md:  npx tsx test/print-matrix.ts [--real] [scenario ...]
// --real adds the real-library MicroPython boards (mpy-simple, mpy-robust, mpy-robust2).
import { observed, runMatrix, virtualRack } from './integration/known-answers.js';

const concurrency = Number(process.env.HIL_MATRIX_CONCURRENCY ?? 4);
const args = process.argv.slice(2);
const only = args.filter((a) => a !== '--real');
const { rack, scenarios } = await virtualRack({ real: args.includes('--real') });
const started = performance.now();
await runMatrix(
  scenarios.filter((s) => only.length === 0 || only.includes(s.name)),
  rack,
  (cell) => {
    process.stdout.write(
      `| ${cell.scenario} | ${cell.model} | ${Object.entries(observed(cell))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')} |\n`,
    );
    for (const c of cell.verdict.classes)
      for (const r of c.reasons.slice(0, 3)) process.stdout.write(`    ${r}\n`);
    for (const c of cell.verdict.checks)
      for (const r of c.reasons.slice(0, 2)) process.stdout.write(`    ${r}\n`);
  },
  concurrency,
);
process.stdout.write(`matrix took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
