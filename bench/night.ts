// A night of the standard suite (scenarios/ on the virtual rack of boards.yml) run twice through
// runSuite, as `npm run nightly` runs it (reporters: summary only; out in a temp folder):
//   clean      the rack as boards.yml has it;
//   disturbed  the same rack plus two fake agents on PTYs (test/fixtures/board/fake-board.ts):
//              `fake-hang` hangs for good --hang-after its first config (in the first scenario)
//              and its reset command (`true`) does nothing; `fake-unplug` (its port a link to its
//              PTY, as /dev/serial/by-id/... is) has its agent killed, its PTY closed and its link
//              removed --unplug-at into the --unplug-in scenario, never to return;
//              and the managed toxiproxy-server is SIGKILLed --kill-at into the --kill-in one.
// Prints both verdicts per scenario × board and whether every standard board's verdicts are
// identical outside the scenario toxiproxy-server died in (every board is `error` there by design).
//   npx tsx bench/night.ts [--scenarios wifi-drop-5s,latency-spike,...] [--hang-after 15s]
//                          [--unplug-in NAME] [--unplug-at 10s] [--kill-in NAME] [--kill-at 10s]
//                          [--fake-ready 4s] [--skip-clean] [--keep]
// Defaults: every scenario of scenarios/ in name order; unplug in the 2nd scenario run, kill in
// the 3rd (the last, when fewer).
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { distStale } from '../bin/dist-state.js';
import { freePort, freeLowPort as lowPort } from '../harness/network/free-port.js';
import type { Reporter } from '../harness/report/reporter.js';
import { makeReporters } from '../harness/report/reporters.js';
import type { BoardResult, RunResult } from '../harness/report/run-result.js';
import { runSuite } from '../harness/run/run-suite.js';
import { parseDuration } from '../harness/spec/duration.js';
import { type FakeBoard, startFakeBoard } from '../test/fixtures/board/fake-board.js';
import { type Cell, compareNights, whyNot } from './night-compare.js';
import { childrenNamed } from './proc.js';

const { values } = parseArgs({
  options: {
    scenarios: { type: 'string' },
    'hang-after': { type: 'string', default: '15s' },
    'unplug-in': { type: 'string' },
    'unplug-at': { type: 'string', default: '10s' },
    'kill-in': { type: 'string' },
    'kill-at': { type: 'string', default: '10s' },
    'fake-ready': { type: 'string', default: '4s' },
    'skip-clean': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const ms = (flag: keyof typeof values) => {
  const v = parseDuration(String(values[flag]));
  if (v === undefined) throw new Error(`--${flag}: a duration, e.g. 10s`);
  return v;
};
const HANG_AFTER = ms('hang-after');
const UNPLUG_AT = ms('unplug-at');
const KILL_AT = ms('kill-at');
const FAKE_READY = values['fake-ready'];
const files = (
  values.scenarios?.split(',') ??
  readdirSync('scenarios')
    .filter((f) => f.endsWith('.yml'))
    .sort()
)
  .map((s) => (s.includes('/') || s.endsWith('.yml') ? s : `${s}.yml`))
  .map((s) => (s.includes('/') ? s : join('scenarios', s)));

/** boards.yml with the broker and Toxiproxy on free loopback ports, and `extra` boards (YAML flow maps) after its own. */
async function rackFile(path: string, extra: string[]): Promise<string[]> {
  const doc = parseDocument(await readFile('boards.yml', 'utf8'));
  doc.setIn(['broker', 'listen'], `127.0.0.1:${await lowPort()}`);
  doc.setIn(['toxiproxy', 'url'], `http://127.0.0.1:${await freePort()}`);
  doc.setIn(['toxiproxy', 'manage'], true);
  const boards = doc.get('boards') as {
    add(v: unknown): void;
    toJSON(): Array<{ id: string; status?: string }>;
  };
  const standard = boards
    .toJSON()
    .filter((b) => b.status !== 'disabled')
    .map((b) => b.id);
  for (const e of extra) boards.add(parseDocument(e).contents);
  await writeFile(path, doc.toString());
  return standard;
}

interface Night {
  result?: RunResult;
  exitCode: number;
  stderr: string;
  wallMs: number;
  load: [number[], number[]];
  order: string[];
  planMs: number;
}

/** One night through runSuite; `disturb` sees its progress (what unplugs and kills on cue). */
async function night(name: string, rack: string, out: string, disturb?: Reporter): Promise<Night> {
  const stderr = new PassThrough();
  let said = '';
  stderr.on('data', (b: Buffer) => {
    said += b.toString();
    if (process.env.HIL_DEBUG) process.stderr.write(b);
  });
  const order: string[] = [];
  let planMs = 0;
  const plan: Reporter = {
    onRunStart: (info) => {
      order.push(...info.scenarios.map((s) => s.scenario.name));
      planMs = info.scenarios.reduce((n, s) => n + s.endMs, 0);
      process.stdout.write(
        `${name} night: ${order.length} scenario(s), ${(planMs / 60_000).toFixed(1)} min of timeline, started ${new Date().toISOString()}\n`,
      );
    },
    onScenarioStart: (s) => {
      process.stdout.write(`  ${new Date().toISOString().slice(11, 19)} ${s.name}\n`);
    },
  };
  const load0 = loadavg();
  const t = performance.now();
  const run = await runSuite(
    { boards: rack, scenarios: files, out, reporter: ['summary'], retries: 0 },
    {
      reporters: [
        ...makeReporters(['summary'], { stdout: new PassThrough(), stderr, out }),
        plan,
        ...(disturb ? [disturb] : []),
      ],
      handleSignals: false,
      stdout: new PassThrough(),
      stderr,
    },
  );
  if (!run.result) throw new Error(`${name} night did not run (exit ${run.exitCode}):\n${said}`);
  return {
    result: run.result,
    exitCode: run.exitCode,
    stderr: said,
    wallMs: performance.now() - t,
    load: [load0, loadavg()],
    order,
    planMs,
  };
}

const cellsOf = (r: RunResult | undefined): Cell[] =>
  (r?.results ?? []).map((x) => ({
    scenario: x.scenario.name,
    board: x.board.id,
    verdict: x.verdict.verdict,
  }));
const loadText = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const summary = (n: Night, name: string) =>
  `${name} night: ${(n.wallMs / 60_000).toFixed(1)} min wall for ${(n.planMs / 60_000).toFixed(1)} min of timeline, exit ${n.exitCode}; load average (1/5/15) ${loadText(n.load[0])} → ${loadText(n.load[1])}; ${n.result?.runDir ?? 'no run folder'}`;

const stale = distStale(new URL('../', import.meta.url));
if (stale)
  console.log(
    `note: dist/ is stale (${stale}): the virtual boards run through tsx (npm run build to avoid it)`,
  );
const dir = await mkdtemp(join(tmpdir(), 'hil-bench-night-'));
const fakes: FakeBoard[] = [];
try {
  const cleanRack = join(dir, 'clean.yml');
  const standard = await rackFile(cleanRack, []);
  const clean = values['skip-clean'] ? undefined : await night('clean', cleanRack, join(dir, 'clean'));
  if (clean) console.log(summary(clean, 'clean'));

  const hang = await startFakeBoard({
    board: 'fake-hang',
    mqtt: 'config',
    publish: true,
    hangAfterMs: HANG_AFTER,
  });
  const unplug = await startFakeBoard({ board: 'fake-unplug', mqtt: 'config', publish: true });
  fakes.push(hang, unplug);
  // The unplugged board's port is a stable link to its PTY, as /dev/serial/by-id/... is: it goes
  // with the board. (A bare /dev/pts/N is soon another board's PTY, which hil would then find locked.)
  const unplugPath = join(dir, 'ttyACM-fake-unplug');
  await symlink(unplug.path, unplugPath);
  const disturbedRack = join(dir, 'disturbed.yml');
  await rackFile(disturbedRack, [
    `{ id: fake-hang, serial: ${hang.path}, listen: "127.0.0.1:${await lowPort()}", ready: ${FAKE_READY}, firmware: fake agent that hangs, reset: { command: ["true"] } }`,
    `{ id: fake-unplug, serial: ${unplugPath}, listen: "127.0.0.1:${await lowPort()}", ready: ${FAKE_READY}, firmware: fake agent unplugged mid-run }`,
  ]);
  const done: string[] = [];
  let unplugIn = values['unplug-in'];
  let killIn = values['kill-in'];
  let unplugged: Promise<void> | undefined;
  let killed: Promise<void> | undefined;
  const disturb: Reporter = {
    onRunStart: (info) => {
      const names = info.scenarios.map((s) => s.scenario.name);
      unplugIn ??= names[Math.min(1, names.length - 1)];
      killIn ??= names[Math.min(2, names.length - 1)];
      const first = info.scenarios[0];
      if (first && HANG_AFTER >= first.scenario.duration)
        console.log(`note: --hang-after ${HANG_AFTER} ms is past ${first.scenario.name}'s timeline`);
      for (const [flag, s, at] of [
        ['unplug', unplugIn, UNPLUG_AT],
        ['kill', killIn, KILL_AT],
      ] as const) {
        const p = info.scenarios.find((x) => x.scenario.name === s);
        if (!p) throw new Error(`--${flag}-in: no scenario ${s} in this night (${names.join(', ')})`);
        if (at >= p.scenario.duration) console.log(`note: --${flag}-at ${at} ms is past ${s}'s timeline`);
      }
    },
    onProgress: (p) => {
      if (p.phase !== 'timeline') return;
      const at = `${(p.elapsedMs / 1000).toFixed(1)} s into ${p.scenario}`;
      if (p.scenario === unplugIn && p.elapsedMs >= UNPLUG_AT && !unplugged) {
        unplugged = unplug.stop().then(async () => {
          await unlink(unplugPath);
          done.push(`fake-unplug: its agent killed, its PTY closed and its link removed at ${at}`);
        });
      }
      if (p.scenario === killIn && p.elapsedMs >= KILL_AT && !killed) {
        killed = (async () => {
          const pids = await childrenNamed('toxiproxy-server');
          if (pids.length !== 1) throw new Error(`toxiproxy-server children: ${pids.join(', ') || 'none'}`);
          process.kill(pids[0] as number, 'SIGKILL');
          done.push(`toxiproxy-server (pid ${pids[0]}) SIGKILLed at ${at}`);
        })();
        killed.catch((e: unknown) => done.push(`kill FAILED: ${String(e)}`));
      }
    },
  };
  const disturbed = await night('disturbed', disturbedRack, join(dir, 'disturbed'), disturb);
  await unplugged;
  await killed?.catch(() => {});
  console.log(summary(disturbed, 'disturbed'));
  for (const d of done) console.log(`  ${d}`);
  if (!killed) console.log(`  toxiproxy-server was NOT killed (${killIn} never reached ${KILL_AT} ms)`);
  if (!unplugged) console.log(`  fake-unplug was NOT unplugged (${unplugIn} never reached ${UNPLUG_AT} ms)`);
  for (const line of disturbed.stderr.split('\n'))
    if (/quarantined|toxiproxy-server|runner failed/.test(line)) console.log(`  said: ${line}`);

  const c = compareNights(cellsOf(clean?.result), cellsOf(disturbed.result), {
    standard,
    ...(killed && killIn && { exempt: killIn }),
  });
  console.log('\n| scenario | board | clean | disturbed | |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of c.rows) {
    const mark = r.compared
      ? r.same
        ? 'same'
        : '**DIFFERS**'
      : r.scenario === killIn && killed
        ? 'toxiproxy-server killed: error by design'
        : 'disturbed board';
    console.log(`| ${r.scenario} | ${r.board} | ${r.clean} | ${r.disturbed} | ${mark} |`);
  }

  const results = disturbed.result?.results ?? [];
  const lines = (id: string) =>
    results
      .filter((r) => r.board.id === id)
      .map(
        (r: BoardResult) =>
          `${r.scenario.name} ${r.verdict.verdict}${r.verdict.verdict === 'pass' ? '' : `: ${whyNot(r.verdict)}`}`,
      );
  console.log('\nhow the disturbed boards ended:');
  for (const id of ['fake-hang', 'fake-unplug']) {
    console.log(`  ${id}:`);
    for (const l of lines(id)) console.log(`    ${l}`);
  }
  if (killed && killIn) {
    console.log(`\nin ${killIn}, where toxiproxy-server was killed (not compared):`);
    for (const r of results.filter((x) => x.scenario.name === killIn))
      console.log(`  ${r.board.id} ${r.verdict.verdict}: ${whyNot(r.verdict)}`);
  }
  const compared = c.rows.filter((r) => r.compared).length;
  const inKill = c.rows.filter((r) => r.scenario === killIn);
  console.log(
    `\n${clean ? '' : '(no clean night: --skip-clean) '}${
      c.identical ? 'IDENTICAL' : 'NOT IDENTICAL'
    }: ${compared - c.differ.length}/${compared} verdicts of the ${standard.length} standard boards (${standard.join(', ')}) are the same in both nights outside ${
      killed ? killIn : '(no scenario: toxiproxy-server was not killed)'
    }.${
      killed
        ? ` In ${killIn}, where toxiproxy-server was killed, the run marks every board's history with the death (the scenario was not carried out as planned), so its verdicts are error by design: ${inKill.length - c.exemptNotError.length}/${inKill.length} are error${
            c.exemptNotError.length
              ? `; ${c.exemptNotError.map((r) => `${r.board} is ${r.disturbed}`).join(', ')} (a verdict is the worst of its parts, fail > error: a failure judged beside the runner's error wins)`
              : ''
          }.`
        : ''
    }`,
  );
  const resultOf = (n: Night | undefined, r: { scenario: string; board: string }) =>
    n?.result?.results.find((x) => x.scenario.name === r.scenario && x.board.id === r.board);
  for (const r of c.differ) {
    console.log(`  differs: ${r.scenario} ${r.board}: ${r.clean} → ${r.disturbed}`);
    for (const [name, n] of [
      ['clean', clean],
      ['disturbed', disturbed],
    ] as const) {
      const x = resultOf(n, r);
      if (x && x.verdict.verdict !== 'pass') console.log(`    ${name}: ${whyNot(x.verdict)}`);
    }
  }
  if (!c.identical) process.exitCode = 1;
} finally {
  for (const f of fakes) await f.stop();
  if (values.keep) console.log(`kept: ${dir}`);
  else await rm(dir, { recursive: true, force: true });
}
