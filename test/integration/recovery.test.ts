import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { opsOf } from '../../harness/history/ops.js';
import { freePort, freeLowPort as lowPort } from '../../harness/network/free-port.js';
import { runSuite } from '../../harness/run/run-suite.js';
import { type FakeBoard, startFakeBoard } from '../fixtures/board/fake-board.js';

/**
 * Issue 15's health gate, end to end: `hil run` as a function on fake agents on PTYs (real
 * mqtt.js clients, Toxiproxy and aedes, loopback only), three scenarios in a row.
 *   steady   never hangs: passes all three, untouched by the others' trouble
 *   hangs    hangs for good 2.5 s into scenario 1 (silent on serial, its MQTT connection dead);
 *            its `reset: { command }` power-cycles it (SIGUSR1), so it passes 2 and 3
 *   dead     hangs the same way, and its reset command does nothing: quarantined in scenario 2,
 *            `error` in scenario 3 without being touched again
 */
describe('health gate between scenarios: reset, recover, quarantine (fake agents on PTYs)', function () {
  this.timeout(240_000);
  const fakes: FakeBoard[] = [];
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-recovery-'));
  });
  after(async () => {
    for (const f of fakes.splice(0)) await f.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a board hung in scenario 1 of 3 is recovered by its reset command and passes 2 and 3; one that cannot be is quarantined', async () => {
    const start = async (board: string, hangAfterMs?: number) => {
      const f = await startFakeBoard({ board, mqtt: 'config', publish: true, hangAfterMs });
      fakes.push(f);
      return f;
    };
    const steady = await start('steady');
    const hangs = await start('hangs', 2500);
    const dead = await start('dead', 2500);
    const node = JSON.stringify(process.execPath);
    // argv, no shell: the test's power switch for the board is a signal to its process.
    const powerCycle = (pid: number) => `[${node}, -e, "process.kill(${pid}, 'SIGUSR1')"]`;
    await writeFile(
      join(dir, 'rack.yml'),
      `broker: { listen: "127.0.0.1:${await lowPort()}" }
toxiproxy: { url: "http://127.0.0.1:${await freePort()}", manage: true }
defaults: { ready: 4s }
boards:
  - { id: steady, serial: ${steady.path}, listen: "127.0.0.1:${await lowPort()}" }
  - { id: hangs, serial: ${hangs.path}, listen: "127.0.0.1:${await lowPort()}", reset: { command: ${powerCycle(hangs.proc.pid as number)} } }
  - { id: dead, serial: ${dead.path}, listen: "127.0.0.1:${await lowPort()}", reset: { command: [${node}, -e, "0"] } }
  - { id: spare, serial: /dev/ttyACM-gone, listen: "127.0.0.1:${await lowPort()}", status: disabled, reason: sent back for repair }
`,
    );
    const files: string[] = [];
    for (const name of ['s1', 's2', 's3']) {
      const file = join(dir, `${name}.yml`);
      await writeFile(
        file,
        `name: ${name}
duration: 6s
drain: 2s
traffic:
  - { class: alarm, at: [1s, 4s] }
policies:
  alarm: must-deliver
checks: [no-traceback]
`,
      );
      files.push(file);
    }
    const stderr = new PassThrough();
    let said = '';
    stderr.on('data', (b: Buffer) => {
      said += b.toString();
    });
    const run = await runSuite(
      { boards: join(dir, 'rack.yml'), scenarios: files, out: join(dir, 'reports'), reporter: ['summary'] },
      { handleSignals: false, stdout: new PassThrough(), stderr },
    );
    const result = run.result;
    if (!result) throw new Error(`no result: ${said}`);
    const verdicts = result.results.map((r) => [r.scenario.name, r.board.id, r.verdict.verdict]);
    if (process.env.HIL_DEBUG)
      for (const r of result.results)
        process.stderr.write(
          `${r.scenario.name}/${r.board.id}: ${JSON.stringify(r.verdict).slice(0, 1500)}\n`,
        );
    const ctx = `\n${said}\n${JSON.stringify(verdicts)}\n${result.results.map((r) => `${r.scenario.name}/${r.board.id}: ${r.verdict.reasons.join(' | ')}`).join('\n')}`;
    expect(verdicts, ctx).to.have.deep.members([
      ['s1', 'steady', 'pass'],
      ['s1', 'hangs', 'fail'],
      ['s1', 'dead', 'fail'],
      ['s2', 'steady', 'pass'],
      ['s2', 'hangs', 'pass'],
      ['s2', 'dead', 'error'],
      ['s3', 'steady', 'pass'],
      ['s3', 'hangs', 'pass'],
      ['s3', 'dead', 'error'],
    ]);
    const of = (s: string, b: string) =>
      result.results.find((r) => r.scenario.name === s && r.board.id === b)!;

    // The hung board: one reset before scenario 2, by its command, and it came back.
    const resets = opsOf(of('s2', 'hangs').history, 'board-reset');
    expect(
      resets.map((r) => [r.why, r.method.replace(/^command: .*/, 'command'), r.outcome]),
      ctx,
    ).to.deep.equal([['unhealthy', 'command', 'booted']]);
    expect(resets[0]!.t, 'before t = 0').to.be.below(0);
    expect(opsOf(of('s3', 'hangs').history, 'board-reset')).to.deep.equal([]);

    // The dead board: its command ran and brought nothing; quarantined in s2, never touched in s3.
    const deadResets = opsOf(of('s2', 'dead').history, 'board-reset');
    expect(
      deadResets.map((r) => [r.why, r.outcome]),
      ctx,
    ).to.deep.equal([['unhealthy', 'no-boot']]);
    const quarantine = of('s3', 'dead').history.notReady ?? '';
    expect(quarantine, ctx).to.match(
      /^quarantined at \d\d:\d\d in s2: no answer after 1 reset \(command: .+\): dead: no answer to hello within 4000 ms$/,
    );
    expect(opsOf(of('s3', 'dead').history, 'board-reset')).to.deep.equal([]);
    expect(of('s3', 'dead').verdict.reasons.join('\n')).to.include(quarantine);
    expect(said).to.match(
      /hil run: board dead quarantined at \d\d:\d\d in s2: .*; it is error for the rest of the run/,
    );

    // The run's exit code: 1, a board failed (s1), not the rack's trouble alone.
    expect(run.exitCode).to.equal(1);
    const summary = JSON.parse(await readFile(join(result.runDir, 'summary.json'), 'utf8'));
    expect(summary.results).to.have.length(9);
    // A disabled board is said to be skipped, with its reason, never silently left out.
    expect(summary.skipped).to.deep.equal([
      { board: 'spare', reason: 'status: disabled in boards.yml (sent back for repair)' },
    ]);
    expect(said).to.include(
      'hil run: skipping board spare: status: disabled in boards.yml (sent back for repair)\n',
    );
  });

  it('a reboot the agent refuses is done by the rack reset command: confirmed by the new boot, configured again, judged normally', async () => {
    const board = await startFakeBoard({
      board: 'no-machine',
      mqtt: 'config',
      publish: true,
      refuse: ['reset'],
    });
    fakes.push(board);
    const node = JSON.stringify(process.execPath);
    const rack = join(dir, 'reboot-rack.yml');
    await writeFile(
      rack,
      `broker: { listen: "127.0.0.1:${await lowPort()}" }
toxiproxy: { url: "http://127.0.0.1:${await freePort()}", manage: true }
boards:
  - { id: no-machine, serial: ${board.path}, listen: "127.0.0.1:${await lowPort()}", reset: { command: [${node}, -e, "process.kill(${board.proc.pid}, 'SIGUSR1')"] } }
`,
    );
    const file = join(dir, 'reboot.yml');
    await writeFile(
      file,
      `name: reboot
duration: 8s
drain: 2s
traffic:
  - { class: alarm, at: [6s] }
faults:
  - { at: 1s, reboot: {} }
policies:
  alarm: must-deliver
checks: [{ reconnects-within: 5s }, no-traceback]
`,
    );
    const run = await runSuite(
      { boards: rack, scenarios: [file], out: join(dir, 'reports-reboot'), reporter: ['summary'] },
      { handleSignals: false, stdout: new PassThrough(), stderr: new PassThrough() },
    );
    const r = run.result?.results[0];
    if (!r) throw new Error('no result');
    const ctx = `\n${r.verdict.reasons.join('\n')}\n${JSON.stringify(r.verdict.checks)}`;
    expect(r.verdict.verdict, ctx).to.equal('pass');
    expect(
      opsOf(r.history, 'board-reset').map((x) => [
        x.why,
        x.method.replace(/^command: .*/, 'command'),
        x.outcome,
      ]),
    ).to.deep.equal([
      ['reboot', 'agent', 'refused'],
      ['reboot', 'command', 'booted'],
    ]);
    const [confirm] = opsOf(r.history, 'confirm');
    expect(confirm?.confirmed, confirm?.seen).to.equal(true);
    expect(confirm?.seen).to.match(
      /^the board booted again \d+ ms after the reset \(rom\); by a later method, after: agent refused$/,
    );
    // Its app lost its config with the power cycle: hil gave it again, so it connected again.
    const connects = opsOf(r.history, 'mqtt').filter((m) => m.state === 'connected' && m.t > 1000);
    expect(connects.length, 'connected again after the reboot').to.be.greaterThan(0);
  });

  it('a board whose port is missing until its reset command powers it up is waited for, up to its ready time', async () => {
    const board = await startFakeBoard({ board: 'late', mqtt: 'config', publish: true });
    fakes.push(board);
    const link = join(dir, 'ttyACM-late');
    // The hub port comes up after the command has returned, as with uhubctl and USB enumeration.
    const script = join(dir, 'power-on.mjs');
    await writeFile(
      script,
      `import { spawn } from 'node:child_process';
spawn(process.execPath, ['-e', ${JSON.stringify(`setTimeout(() => require('fs').symlinkSync(${JSON.stringify(board.path)}, ${JSON.stringify(link)}), 1500)`)}], { detached: true, stdio: 'ignore' }).unref();
`,
    );
    const rack = join(dir, 'late-rack.yml');
    await writeFile(
      rack,
      `broker: { listen: "127.0.0.1:${await lowPort()}" }
toxiproxy: { url: "http://127.0.0.1:${await freePort()}", manage: true }
boards:
  - { id: late, serial: ${link}, listen: "127.0.0.1:${await lowPort()}", ready: 6s, reset: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}] } }
`,
    );
    const file = join(dir, 'late.yml');
    await writeFile(
      file,
      'name: late\nduration: 4s\ndrain: 2s\ntraffic:\n  - { class: alarm, at: [2s] }\npolicies:\n  alarm: must-deliver\n',
    );
    const run = await runSuite(
      { boards: rack, scenarios: [file], out: join(dir, 'reports-late'), reporter: ['summary'] },
      { handleSignals: false, stdout: new PassThrough(), stderr: new PassThrough() },
    );
    const r = run.result?.results[0];
    if (!r) throw new Error('no result');
    expect(r.verdict.verdict, `${r.history.notReady ?? ''} ${r.verdict.reasons.join(' | ')}`).to.equal(
      'pass',
    );
    const resets = opsOf(r.history, 'board-reset');
    expect(resets.map((x) => [x.why, x.outcome])).to.deep.equal([['unhealthy', 'booted']]);
    expect(resets[0]!.ms, 'waited for the port to appear').to.be.at.least(1400);
  });
});
