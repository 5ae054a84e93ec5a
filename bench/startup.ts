// How long `hil --help` and `hil validate` take to start and finish, spawned N times each:
// median and p90 wall time, and the CPU of each run (user + system, from the child's rusage).
//   npx tsx bench/startup.ts [--runs 15] [--bin bin/hil.js] [--from dist|source]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { stats } from './proc.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    bin: { type: 'string', default: 'bin/hil.js' },
    from: { type: 'string', default: 'dist' },
  },
});
const runs = Number(values.runs);
const label = values.bin === 'bin/hil.js' ? `from ${values.from}` : values.bin;
const env = { ...process.env, ...(values.from === 'source' && { HIL_SOURCE: '1' }) };

/** CPU (ms) of this process's waited-for children so far: cutime + cstime of /proc/self/stat. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 10;
}

for (const args of [['--help'], ['validate']]) {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const c0 = childrenCpuMs();
    const t = performance.now();
    const r = spawnSync(process.execPath, [values.bin, ...args], { env, stdio: 'ignore' });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`hil ${args.join(' ')} exited ${r.status}`);
    // The first run warms the file cache: not counted.
    if (i === 0) continue;
    wall.push(ms);
    cpu.push(childrenCpuMs() - c0);
  }
  const w = stats(wall);
  const c = stats(cpu);
  console.log(
    `hil ${args.join(' ').padEnd(8)} (${label}, ${runs} runs): wall median ${w.median.toFixed(0)} ms, p90 ${w.p90.toFixed(0)} ms; CPU median ${c.median.toFixed(0)} ms`,
  );
}
