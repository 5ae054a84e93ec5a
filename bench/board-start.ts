// What one virtual board process costs to start: time to ready, CPU and peak memory, started
// one after another (nothing else competing), from built JS (dist/, when current) or through tsx.
//   npx tsx bench/board-start.ts [--boards 8] [--from dist|source]
import { parseArgs } from 'node:util';
import { boardEntry, startVirtualBoard } from '../harness/sim/launcher.js';
import { MODEL_DEFAULTS, MODEL_NAMES } from '../harness/sim/model-options.js';
import { mib, sample, stats } from './proc.js';

const { values } = parseArgs({
  options: { boards: { type: 'string', default: '8' }, from: { type: 'string', default: 'dist' } },
});
const n = Number(values.boards);
// Read by the launcher's first boardEntry() (bin/dist-state.js).
if (values.from === 'source') process.env.HIL_SOURCE = '1';
const entry = await boardEntry();
const from = entry.args.includes('--import') ? 'tsx' : 'built JS';

const readyMs: number[] = [];
const cpuMs: number[] = [];
const peak: number[] = [];
for (let i = 0; i < n; i++) {
  const model = MODEL_NAMES[i % MODEL_NAMES.length]!;
  const t = performance.now();
  const board = await startVirtualBoard(
    { id: `start-${i}`, firmware: `virtual-${model}`, baud: 115200 },
    { model, options: { ...MODEL_DEFAULTS[model] } },
    // Nothing listens there: the board is ready before it is told where its broker is.
    { broker: { host: '127.0.0.1', port: 9 } },
  );
  readyMs.push(performance.now() - t);
  const s = sample(board.pid);
  if (s) {
    cpuMs.push(s.cpuMs);
    peak.push(s.peakRss);
  }
  await board.stop();
}
const r = stats(readyMs);
const c = stats(cpuMs);
const m = stats(peak);
console.log(
  `board start from ${from} (${n} boards, one at a time): ready median ${r.median.toFixed(0)} ms (max ${r.max.toFixed(0)}), ` +
    `CPU median ${c.median.toFixed(0)} ms, peak RSS median ${mib(m.median)} MiB`,
);
