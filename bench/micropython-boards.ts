// Real-MicroPython boards (the WebAssembly port, one worker thread each) on one runner: boot
// time, memory per board, and whether the timeline stays on time with N of them in a scenario.
//   npx tsx bench/micropython-boards.ts [--boards 1,4,8] [--app simple] [--scenario scenarios/wifi-drop-5s.yml]
// Needs scripts/setup.sh's PyPI libraries (tools/micropython-lib/). Columns:
//   boot: worker start → main.py running, per board (median, max), all N started at once
//   rss/board: the process's resident memory growth divided by N, boards idle in their app loop
//   cpu: the process's CPU while N boards idle for 5 s, in % of one core
//   stimuli/faults late: the runner's lateness (median, p99, max) in one scenario on N boards
//   noticed: emit written → the board's `emitted` (median, p99, max): the interpreters keep up
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScenario } from '../harness/config/load-scenario.js';
import { planScenario } from '../harness/scenario/plan.js';
import { openRack } from '../harness/scenario/rack.js';
import { runScenario } from '../harness/scenario/runner.js';
import { startMicroPythonBoard } from '../harness/sim/micropython/board.js';
import { deployFiles } from './micropython-files.js';
import { benchBoard, benchRack } from './rack.js';

const { values } = parseArgs({
  options: {
    boards: { type: 'string', default: '1,4,8' },
    app: { type: 'string', default: 'simple' },
    scenario: { type: 'string', default: 'scenarios/wifi-drop-5s.yml' },
  },
});
const sizes = values.boards.split(',').map(Number);
const app = values.app;
const files = deployFiles(app);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : Number.NaN;
};
const ms = (x: number) => `${Math.round(x)} ms`;

async function bootAndIdle(n: number): Promise<string> {
  const rss0 = process.memoryUsage().rss;
  const boards = await Promise.all(
    Array.from({ length: n }, (_, i) => startMicroPythonBoard({ board: `bench-${i}`, files })),
  );
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const rss = (process.memoryUsage().rss - rss0) / n / 2 ** 20;
    const cpu0 = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 5000));
    const c = process.cpuUsage(cpu0);
    const cpu = ((c.user + c.system) / 1000 / 5000) * 100;
    const boots = boards.map((b) => b.bootMs);
    return `boot median ${ms(pct(boots, 50))}, max ${ms(Math.max(...boots))}; rss/board ${rss.toFixed(1)} MB; idle cpu ${cpu.toFixed(1)} % of a core`;
  } finally {
    await Promise.all(boards.map((b) => b.stop()));
  }
}

async function scenario(n: number): Promise<string[]> {
  const loaded = await loadScenario(values.scenario);
  if (!loaded.value) throw new Error(`${values.scenario} does not validate`);
  const boards = Array.from({ length: n }, (_, i) =>
    benchBoard(
      `bench-mpy-${i}`,
      { kind: 'micropython', files: files.map((f) => `${f.local}:${f.remote}`) },
      { firmware: `micropython-wasm ${app}` },
    ),
  );
  const rack = await benchRack(boards);
  const dir = await mkdtemp(join(tmpdir(), 'hil-bench-'));
  const services = await openRack(rack);
  try {
    const run = await runScenario({
      plan: planScenario(rack, loaded.value),
      services,
      dir,
      runId: 'bench',
      epoch: 1,
    });
    const noticed: number[] = [];
    for (const h of run.histories) {
      const emits = new Map<string, number>();
      for (const op of h.ops) {
        if (op.kind === 'emit' && op.direction === 'up') emits.set(op.id, op.t);
        if (op.kind === 'noticed' && emits.has(op.id)) noticed.push(op.t - (emits.get(op.id) as number));
      }
    }
    const f = run.lateness.faults;
    const s = run.lateness.stimuli;
    return [
      `stimuli late median ${s.medianMs} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms (${s.count}); faults late median ${f.medianMs} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms (${f.count})`,
      `noticed median ${ms(pct(noticed, 50))}, p99 ${ms(pct(noticed, 99))}, max ${ms(Math.max(...noticed))} (${noticed.length}); not ready ${run.histories.filter((h) => h.notReady).length}, runner errors ${run.errors.length}`,
    ];
  } finally {
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

console.log(`MicroPython ${'1.27.0'} WebAssembly boards, app_umqtt_${app}.py, ${values.scenario}`);
for (const n of sizes) {
  console.log(`${n} board(s): ${await bootAndIdle(n)}`);
  for (const line of await scenario(n)) console.log(`  ${line}`);
}
