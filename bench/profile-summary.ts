// Where the time of a V8 CPU profile (timeline-lateness.ts --profile) went: samples by where
// their code lives (self time), and the busy stretches of the loop (runs of non-idle samples
// longer than --stall ms) with what each spent its time on.
//   npx tsx bench/profile-summary.ts FILE [--stall 5] [--top 12]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { stall: { type: 'string', default: '5' }, top: { type: 'string', default: '12' } },
});
const profile = JSON.parse(await readFile(positionals[0] ?? '', 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

/** A sample's place: hil's own folders, a package, Node itself, or V8's pseudo-frames. */
function where(n: Node): string {
  const { url, functionName } = n.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/(harness|bench|test)\/([^/]+)/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0] as string;
  return url;
}

const totals = new Map<string, number>();
const add = (m: Map<string, number>, k: string, us: number) => m.set(k, (m.get(k) ?? 0) + us);
let all = 0;
const stalls: Array<{ at: number; us: number; parts: Map<string, number> }> = [];
let run: { at: number; us: number; parts: Map<string, number> } | undefined;
let t = profile.startTime;
for (const [i, id] of profile.samples.entries()) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  t += profile.timeDeltas[i] ?? 0;
  const node = byId.get(id) as Node;
  const w = where(node);
  add(totals, w, dt);
  all += dt;
  if (w === '(idle)') {
    if (run && run.us >= Number(values.stall) * 1000) stalls.push(run);
    run = undefined;
  } else {
    run ??= { at: t - profile.startTime, us: 0, parts: new Map() };
    run.us += dt;
    add(run.parts, w, dt);
  }
}
const ms = (us: number) => (us / 1000).toFixed(1);
const top = (m: Map<string, number>, k: number) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([w, us]) => `${w} ${ms(us)}`)
    .join(', ');
const busy = all - (totals.get('(idle)') ?? 0);
console.log(
  `profile ${ms(all)} ms, busy ${ms(busy)} ms (${((busy / all) * 100).toFixed(1)} %); self time by place, ms:`,
);
for (const [w, us] of [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`  ${w.padEnd(34)} ${ms(us).padStart(8)}  ${((us / all) * 100).toFixed(1)} %`);
console.log(`busy stretches ≥ ${values.stall} ms: ${stalls.length}`);
for (const s of stalls.sort((a, b) => b.us - a.us).slice(0, Number(values.top)))
  console.log(`  at ${ms(s.at)} ms: ${ms(s.us)} ms: ${top(s.parts, 5)}`);
