// `npm run bench`: every figure of docs/performance.md, one bench after another (never two at
// once: they share the cores). Builds dist/ first when it is stale, so hil and its boards run
// as a user's would. Prints figures; asserts nothing.
//   npm run bench [-- --sizes 1,8,32,100] [--skip rack,checker,startup,board-start,recovery]
// bench/night.ts (two nights of the standard suite, ~25 min) is not among them: run it alone.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { distStale } from '../bin/dist-state.js';
import { mib } from './proc.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1,8,32,100' },
    scenario: { type: 'string', default: 'scenarios/wifi-drop-5s.yml' },
    skip: { type: 'string', default: '' },
  },
});
const skip = new Set(values.skip.split(',').filter(Boolean));
const tsx = createRequire(import.meta.url).resolve('tsx/cli');
const bench = (file: string, args: string[], capture = false) => {
  const r = spawnSync(process.execPath, [tsx, file, ...args], {
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`);
  return r.stdout ?? '';
};

const stale = distStale(new URL('../', import.meta.url));
if (stale) {
  console.log(`dist/ is stale (${stale}): npm run build`);
  const r = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

if (!skip.has('startup')) {
  console.log('\n## start-up (bench/startup.ts)');
  bench('bench/startup.ts', ['--from', 'dist']);
  bench('bench/startup.ts', ['--from', 'source']);
}
if (!skip.has('board-start')) {
  console.log('\n## one virtual board process (bench/board-start.ts)');
  bench('bench/board-start.ts', ['--from', 'dist']);
  bench('bench/board-start.ts', ['--from', 'source']);
}
if (!skip.has('checker')) {
  console.log('\n## checker (bench/checker.ts)');
  bench('bench/checker.ts', ['--sizes', '10000,100000,1000000']);
}
if (!skip.has('recovery')) {
  console.log('\n## recovery per method (bench/recovery.ts), about 1.5 min');
  bench('bench/recovery.ts', ['--rounds', '10']);
}
if (!skip.has('rack')) {
  console.log(
    `\n## ${values.scenario} on N virtual boards (bench/timeline-lateness.ts), one size after another`,
  );
  const rows: string[] = [];
  for (const n of values.sizes.split(',').map(Number)) {
    const out = bench(
      'bench/timeline-lateness.ts',
      ['--boards', String(n), '--scenario', values.scenario, '--json'],
      true,
    );
    const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    console.log(out.trim());
    const q = (l: { medianMs: number; p99Ms: number; maxMs: number }) =>
      `${l.medianMs} / ${l.p99Ms} / ${l.maxMs}`;
    rows.push(
      `| ${n} | ${r.ratio} (${(r.wallMs / 1000).toFixed(1)} s, bring-up ${(r.bringUpMs / 1000).toFixed(1)} s) | ${mib(r.hilPeakRss)} MiB / ${(r.hilCpuMs / 1000).toFixed(1)} s | ${mib(r.rack.boardsPeakRss)} MiB / ${(r.rack.boardsCpuMs / 1000).toFixed(1)} s | ${q(r.faults)} | ${q(r.stimuli)} | ${r.loopDelayMs.timeline.p99} / ${r.loopDelayMs.timeline.max} | ${r.verdicts.right}/${r.verdicts.of} | ${r.deliveryErrorMs.median} / ${r.deliveryErrorMs.p99} / ${r.deliveryErrorMs.max} |`,
    );
  }
  console.log(
    '\n| N | wall / (timeline + drain) | hil peak RSS / CPU | boards peak RSS / CPU | fault late ms (median / p99 / max) | stimulus late ms | loop delay ms (p99 / max) | verdicts right | observer later ms (median / p99 / max) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}
