import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { check } from '../../harness/checker/index.js';
import type { History } from '../../harness/history/ops.js';
import { freeLowPort, freePort } from '../../harness/network/free-port.js';
import { scenario } from '../unit/config-helpers.js';
import { assertWellFormed, parseXml } from '../unit/report-xml-check.js';
import { hil } from './hil-bin.js';

const SCENARIO = `name: short-drop
description: WiFi drops for 2 s while an alarm fires.
tags: [short]
duration: 12s
drain: 4s
traffic:
  - { class: telemetry, every: 1s }
  - { class: alarm, at: [3s] }
faults:
  - { at: 2s, wifi-outage: { for: 2s } }
policies:
  telemetry: drop
  alarm: must-deliver
checks: [no-reboot, no-traceback]
`;

interface AllureResult {
  name: string;
  status: string;
  labels: Array<{ name: string; value: string }>;
  parameters: Array<{ name: string; value: string }>;
  steps: Array<{
    name: string;
    status: string;
    attachments: Array<{ name: string; source: string; type: string }>;
  }>;
  attachments: Array<{ name: string; source: string; type: string }>;
}

const SIMPLE =
  '{ id: sim-simple, virtual: { model: simple }, firmware: umqtt.simple (virtual), tags: [virtual] }';
const RESILIENT = '{ id: sim-resilient, virtual: { model: resilient }, tags: [virtual, reference] }';

/** A temporary folder with the short scenario and a rack of these boards on free loopback ports. */
async function runFolder(boards: string[]): Promise<{ dir: string; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hil-run-'));
  await writeFile(join(dir, 'short.yml'), SCENARIO);
  await writeFile(
    join(dir, 'rack.yml'),
    `broker: { listen: "127.0.0.1:${await freeLowPort()}" }
toxiproxy: { url: "http://127.0.0.1:${await freePort()}", manage: true }
boards:
${boards.map((b) => `  - ${b}\n`).join('')}`,
  );
  return { dir, out: join(dir, 'reports') };
}

describe('hil run on the virtual rack (the bin, end to end)', function () {
  this.timeout(180_000);
  let dir: string;
  let out: string;
  let run: Awaited<ReturnType<typeof hil>>;

  before(async () => {
    ({ dir, out } = await runFolder([SIMPLE, RESILIENT]));
    run = await hil(
      ['run', '--boards', join(dir, 'rack.yml'), '--scenarios', join(dir, 'short.yml'), '--out', out],
      { CI: 'true' },
    );
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 because a check failed, and prints the verdict table and where the report is', () => {
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.match(/short-drop\s+sim-simple\s+FAIL/);
    expect(run.stdout).to.match(/sim-resilient\s+PASS/);
    expect(run.stdout).to.contain(`HTML report: ${join(out, 'allure-report', 'index.html')}`);
    // Plain progress lines in CI, with the scenario, its time and each board's state.
    expect(run.stderr).to.match(/\[short-drop\] timeline \d+s\/16s .*sim-simple: /);
  });

  it('writes summary.json matching the checker on each history.json', async () => {
    const latest = join(out, 'runs', 'latest');
    expect(await readlink(latest)).to.match(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    const summary = JSON.parse(await readFile(join(latest, 'summary.json'), 'utf8'));
    expect(summary.verdict).to.equal('fail');
    expect(
      summary.results.map((r: { board: string; verdict: string }) => `${r.board}:${r.verdict}`),
    ).to.have.members(['sim-simple:fail', 'sim-resilient:pass']);
    const spec = scenario(SCENARIO).value!;
    for (const r of summary.results) {
      const history = JSON.parse(
        await readFile(join(latest, 'short-drop', r.board, 'history.json'), 'utf8'),
      ) as History;
      const verdict = check(history, spec);
      expect(r.verdict).to.equal(verdict.verdict);
      expect(
        r.classes.map((c: { class: string; verdict: string; emitted: number }) => [
          c.class,
          c.verdict,
          c.emitted,
        ]),
      ).to.deep.equal(verdict.classes.map((c) => [c.class, c.verdict, c.emitted]));
    }
    const simple = summary.results.find((r: { board: string }) => r.board === 'sim-simple');
    const alarm = simple.classes.find((c: { class: string }) => c.class === 'alarm');
    expect(alarm.reasons.join('\n')).to.match(/alarm sim-simple-alarm-1 emitted 3\.\d\ds/);
  });

  it("gives summary.json the run's lateness: one wifi-outage per board, every stimulus", async () => {
    const latest = join(out, 'runs', 'latest');
    const summary = JSON.parse(await readFile(join(latest, 'summary.json'), 'utf8'));
    const { faults, stimuli } = summary.lateness;
    expect(faults.count).to.equal(2);
    // 12 telemetry and 1 alarm on each board.
    expect(stimuli.count).to.be.within(24, 28);
    for (const s of [faults, stimuli]) {
      expect(s.medianMs).to.be.at.least(0);
      expect(s.medianMs).to.be.at.most(s.p99Ms);
      expect(s.p99Ms).to.be.at.most(s.maxMs);
    }
    // One scenario: the run's figures are that scenario's, as each history.json records them.
    const history = JSON.parse(
      await readFile(join(latest, 'short-drop', 'sim-simple', 'history.json'), 'utf8'),
    );
    expect(summary.lateness).to.deep.equal(history.lateness);
  });

  it('writes a valid junit.xml with one failure', async () => {
    const xml = await readFile(join(out, 'junit.xml'), 'utf8');
    assertWellFormed(xml);
    const doc = parseXml(xml, ['testsuite', 'testcase']) as {
      testsuites: { testsuite: Array<{ testcase: Array<Record<string, unknown>> }> };
    };
    const cases = doc.testsuites.testsuite.flatMap((s) => s.testcase);
    expect(cases).to.have.length(2);
    expect(cases.filter((c) => 'failure' in c)).to.have.length(1);
  });

  it('writes a well-formed timeline.svg per board that shows the fault', async () => {
    for (const board of ['sim-simple', 'sim-resilient']) {
      const svg = await readFile(join(out, 'runs', 'latest', 'short-drop', board, 'timeline.svg'), 'utf8');
      assertWellFormed(svg);
      expect(svg).to.contain('wifi-outage');
    }
  });

  it('writes Allure results with labels, parameters, steps and attachments', async () => {
    const resultsDir = join(out, 'allure-results');
    const files = await readdir(resultsDir);
    const results = await Promise.all(
      files
        .filter((f) => f.endsWith('-result.json'))
        .map(async (f) => JSON.parse(await readFile(join(resultsDir, f), 'utf8')) as AllureResult),
    );
    expect(results.map((r) => `${r.name}:${r.status}`)).to.have.members([
      'sim-simple:failed',
      'sim-resilient:passed',
    ]);
    for (const r of results) {
      const label = (name: string) => r.labels.filter((l) => l.name === name).map((l) => l.value);
      expect(label('parentSuite')).to.deep.equal(['rack']);
      expect(label('suite')).to.deep.equal(['short-drop']);
      expect(label('subSuite')).to.deep.equal([r.name]);
      expect(label('epic')).to.deep.equal(['rack']);
      expect(label('feature')).to.deep.equal(['short-drop']);
      expect(label('story')).to.deep.equal([r.name]);
      expect(label('board')).to.deep.equal([r.name]);
      expect(label('tag')).to.include.members(['virtual', 'short']);
      expect(r.parameters.map((p) => p.name)).to.include.members(['seed', 'duration', 'wifi-outage at 2s']);
      expect(r.steps.map((s) => s.name).join('\n')).to.match(/^fault wifi-outage 2\.\d\ds–4\.\d\ds/m);
      expect(r.steps.map((s) => s.name).join('\n')).to.match(/^traffic alarm \(up\): 1 emitted/m);
      // allure-js puts each runtime attachment in a step of its own name.
      const attachments = [...r.attachments, ...r.steps.flatMap((s) => s.attachments)];
      expect(attachments.map((a) => a.name)).to.have.members([
        'timeline.svg',
        'verdicts.txt',
        'serial.log',
        'broker.log',
        'history.json',
      ]);
      expect(attachments.find((a) => a.name === 'timeline.svg')?.type).to.equal('image/svg+xml');
      for (const a of attachments) expect(files).to.include(a.source);
    }
  });

  it('builds the HTML report', async () => {
    const index = await readFile(join(out, 'allure-report', 'index.html'), 'utf8');
    expect(index).to.match(/<html/i);
  });
});

describe('hil run --retries with chosen reporters (the bin)', function () {
  this.timeout(180_000);
  let dir: string;
  let out: string;
  let run: Awaited<ReturnType<typeof hil>>;

  before(async () => {
    ({ dir, out } = await runFolder([SIMPLE]));
    run = await hil(
      [
        'run',
        '--boards',
        join(dir, 'rack.yml'),
        '--scenarios',
        join(dir, 'short.yml'),
        '--out',
        out,
        '--retries',
        '1',
        '--reporter',
        'summary',
        '--reporter',
        'console',
      ],
      { CI: 'true' },
    );
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the failing board again alone and reports its last attempt', async () => {
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stdout).to.match(/short-drop\s+sim-simple\s+FAIL/);
    const latest = join(out, 'runs', 'latest');
    const summary = JSON.parse(await readFile(join(latest, 'summary.json'), 'utf8'));
    expect(summary.results).to.have.length(1);
    expect(summary.results[0].files.history).to.equal(
      join('short-drop', 'retry-1', 'sim-simple', 'history.json'),
    );
    expect(await readdir(join(latest, 'short-drop'))).to.have.members(['sim-simple', 'retry-1']);
  });

  it('writes only the chosen outputs', async () => {
    expect(run.stdout).to.contain('summary: ');
    expect(run.stdout).not.to.contain('HTML report');
    expect(run.stderr).not.to.match(/\[short-drop\] timeline/);
    expect(await readdir(out)).to.have.members(['runs', 'allure-results']);
    expect(await readdir(join(out, 'allure-results'))).to.deep.equal([]);
    expect(await readdir(join(out, 'runs', 'latest', 'short-drop', 'sim-simple'))).not.to.include(
      'timeline.svg',
    );
  });

  it("takes the run's lateness over every attempt's own values (not a percentile of percentiles)", async () => {
    const latest = join(out, 'runs', 'latest');
    const summary = JSON.parse(await readFile(join(latest, 'summary.json'), 'utf8'));
    const read = async (path: string) => JSON.parse(await readFile(join(latest, path), 'utf8')) as History;
    const attempts = [
      await read('short-drop/sim-simple/history.json'),
      await read('short-drop/retry-1/sim-simple/history.json'),
    ];
    for (const kind of ['faults', 'stimuli'] as const) {
      const each = attempts.map((h) => h.lateness![kind]);
      expect(summary.lateness[kind].count).to.equal(each[0]!.count + each[1]!.count);
      expect(summary.lateness[kind].maxMs).to.equal(Math.max(...each.map((s) => s.maxMs)));
      expect(summary.lateness[kind].medianMs).to.be.at.most(summary.lateness[kind].p99Ms);
    }
    expect(summary.lateness.faults.count).to.equal(2);
  });
});

describe('hil run with filters that leave nothing', function () {
  this.timeout(30_000);
  let dir: string;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 and says --tag selects boards when given a scenario tag', async () => {
    ({ dir } = await runFolder([SIMPLE, RESILIENT]));
    const rack = join(dir, 'rack.yml');
    const run = await hil(['run', '--boards', rack, '--scenarios', join(dir, 'short.yml'), '--tag', 'short']);
    expect(run.code, run.stderr).to.equal(2);
    expect(run.stdout).to.equal('');
    expect(run.stderr).to.equal(
      `hil run: nothing to run: --tag short: no board a scenario selects has that tag (their tags: reference, virtual); short is a scenario tag, and --tag selects boards by their tags in ${rack}: choose scenarios with --scenarios or --grep\n`,
    );
  });
});
