// How late the runner applies faults and stimuli against their schedule, with N virtual
// boards in one scenario (DESIGN: aim for p99 < 10 ms with 8 boards on a 2-core machine).
//   npx tsx bench/timeline-lateness.ts [--boards 8] [--scenario scenarios/wifi-drop-5s.yml]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScenario } from '../harness/config/load-scenario.js';
import { freePort } from '../harness/network/free-port.js';
import { planScenario } from '../harness/scenario/plan.js';
import { openRack } from '../harness/scenario/rack.js';
import { runScenario } from '../harness/scenario/runner.js';
import { MODEL_DEFAULTS, MODEL_NAMES } from '../harness/sim/model-options.js';
import type { BoardSpec, RackSpec } from '../harness/spec/types.js';

const { values } = parseArgs({
  options: {
    boards: { type: 'string', default: '8' },
    scenario: { type: 'string', default: 'scenarios/wifi-drop-5s.yml' },
  },
});
const n = Number(values.boards);
const loaded = await loadScenario(values.scenario);
if (!loaded.value) throw new Error(`${values.scenario} does not validate`);
const boards: BoardSpec[] = Array.from({ length: n }, (_, i) => {
  const model = MODEL_NAMES[i % MODEL_NAMES.length]!;
  return {
    id: `bench-${model}-${i}`,
    transport: { kind: 'virtual', model, options: { ...MODEL_DEFAULTS[model] } },
    firmware: `virtual-${model}`,
    tags: [],
    reset: { kind: 'none' },
    status: 'enabled',
    baud: 115200,
    wifi: { kind: 'agent' },
    virtual: { model, options: { ...MODEL_DEFAULTS[model] } },
    origin: { file: 'bench', line: 1, col: 1 },
  };
});
const rack: RackSpec = {
  file: 'bench',
  broker: { listen: { host: '127.0.0.1', port: 0 } },
  toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
  boards,
};
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
  const f = run.lateness.faults;
  const s = run.lateness.stimuli;
  console.log(`${n} boards, ${loaded.value.name}`);
  console.log(
    `faults:  ${f.count} applied, late by median ${f.medianMs} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms`,
  );
  console.log(
    `stimuli: ${s.count} fired,   late by median ${s.medianMs} ms, p99 ${s.p99Ms} ms, max ${s.maxMs} ms`,
  );
  console.log(
    `not ready: ${run.histories.filter((h) => h.notReady).length}, runner errors: ${run.errors.length}`,
  );
} finally {
  await services.close();
  await rm(dir, { recursive: true, force: true });
}
