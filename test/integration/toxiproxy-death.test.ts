import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { childrenNamed } from '../../bench/proc.js';
import { freePort, freeLowPort as lowPort } from '../../harness/network/free-port.js';
import { ToxiproxyClient } from '../../harness/network/toxiproxy.js';
import { startToxiproxyServer } from '../../harness/network/toxiproxy-server.js';
import type { Reporter } from '../../harness/report/reporter.js';
import type { BoardResult } from '../../harness/report/run-result.js';
import { runSuite, type SuiteRun } from '../../harness/run/run-suite.js';

/** Scenario 1 has a fault in place when the server dies: it is gone with the server, and healing it must not end the run. */
const FIRST = `name: death-1
duration: 5s
drain: 1s
traffic:
  - { class: telemetry, every: 500ms }
faults:
  - { at: 500ms, latency: { for: 2s, ms: 20 } }
policies:
  telemetry: drop
`;
const next = (n: number) => `name: death-${n}
duration: 3s
drain: 1s
traffic:
  - { class: telemetry, every: 500ms }
policies:
  telemetry: drop
checks: [no-reboot]
`;
const BOARDS = ['sim-a', 'sim-b'];

/** The process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/**
 * A toxiproxy-server of the test's own, as a lab runs one: hil finds it answering and does not
 * manage it (startToxiproxyServer's would restart itself).
 */
async function ownServer(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('tools/bin/toxiproxy-server', ['-host', '127.0.0.1', '-port', String(port)], {
    stdio: 'ignore',
  });
  const client = new ToxiproxyClient({ url, timeoutMs: 1000 });
  // Polling: the API has no readiness signal besides answering.
  for (let i = 0; ; i++) {
    if (
      await client.version().then(
        () => true,
        () => false,
      )
    )
      return { url, child };
    if (i > 200) throw new Error(`toxiproxy-server did not answer at ${url}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface DeathRun {
  run: SuiteRun;
  stderr: string;
  /** When each result came, performance.now() ms. */
  resultAt: Map<string, number>;
  byPair: Map<string, BoardResult>;
}

/**
 * `hil run` as a function, 3 scenarios on 2 resilient virtual boards; `kill` is called once, at
 * scenario 1's first timeline progress (its timeline has begun and every board is up).
 */
async function runWithDeath(dir: string, toxiproxy: string, kill: () => Promise<void>): Promise<DeathRun> {
  await writeFile(
    join(dir, 'rack.yml'),
    `broker: { listen: "127.0.0.1:${await lowPort()}" }
toxiproxy: ${toxiproxy}
boards:
${BOARDS.map((id) => `  - { id: ${id}, virtual: { model: resilient } }\n`).join('')}`,
  );
  const scenarios = [FIRST, next(2), next(3)];
  for (const [i, text] of scenarios.entries()) await writeFile(join(dir, `s${i + 1}.yml`), text);
  let killed: Promise<void> | undefined;
  const resultAt = new Map<string, number>();
  const byPair = new Map<string, BoardResult>();
  const reporter: Reporter = {
    onProgress: (p) => {
      if (p.scenario === 'death-1' && p.phase === 'timeline') killed ??= kill();
    },
    onResult: (r) => {
      resultAt.set(`${r.scenario.name} ${r.board.id}`, performance.now());
      byPair.set(`${r.scenario.name} ${r.board.id}`, r);
    },
  };
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (process.env.HIL_DEBUG) process.stderr.write(b);
  });
  const run = await runSuite(
    {
      boards: join(dir, 'rack.yml'),
      scenarios: scenarios.map((_, i) => join(dir, `s${i + 1}.yml`)),
      out: join(dir, 'reports'),
      retries: 0,
    },
    { reporters: [reporter], handleSignals: false, stdout: new PassThrough(), stderr },
  );
  expect(killed, 'scenario 1 reached its timeline').to.not.equal(undefined);
  await killed;
  return { run, stderr: err, resultAt, byPair };
}

const verdicts = (r: DeathRun) =>
  [...r.byPair.values()].map((x) => `${x.scenario.name} ${x.board.id}: ${x.verdict.verdict}`);

describe('toxiproxy-server killed mid-run (real Toxiproxy and aedes, virtual boards)', function () {
  this.timeout(120_000);
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-tp-death-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('managed: restarted with its proxies at the same ports; scenario 1 is error, 2 and 3 pass; none outlives the run', async () => {
    const seen = new Set<number>();
    let victim: number | undefined;
    const r = await runWithDeath(
      dir,
      `{ url: "http://127.0.0.1:${await freePort()}", manage: true }`,
      async () => {
        const pids = await childrenNamed('toxiproxy-server');
        expect(pids, 'one managed toxiproxy-server').to.have.length(1);
        victim = pids[0]!;
        seen.add(victim);
        process.kill(victim, 'SIGKILL');
      },
    );
    for (const pid of await childrenNamed('toxiproxy-server')) seen.add(pid);
    const ctx = `\n${verdicts(r).join('\n')}\n${r.stderr}`;
    expect(r.run.exitCode, ctx).to.equal(3);
    expect(verdicts(r), ctx).to.deep.equal([
      'death-1 sim-a: error',
      'death-1 sim-b: error',
      'death-2 sim-a: pass',
      'death-2 sim-b: pass',
      'death-3 sim-a: pass',
      'death-3 sim-b: pass',
    ]);
    for (const id of BOARDS) {
      const reasons = r.byPair.get(`death-1 ${id}`)!.verdict.reasons;
      expect(reasons, ctx).to.have.length(1);
      expect(reasons[0]).to.match(
        /^the runner could not go on at \d+\.\d\ds: toxiproxy-server died \(killed by SIGKILL\), and every proxy with it; hil restarted it and re-created its 2 proxies at the same addresses within \d+\.\d\d s: this scenario was not carried out as planned$/,
      );
    }
    // Said on the run's stderr and in toxiproxy.log.
    expect(r.stderr).to.contain(
      `hil run: toxiproxy-server (pid ${victim}) died (killed by SIGKILL); restarting it on http://127.0.0.1:`,
    );
    const restarted =
      /hil run: toxiproxy-server restarted \(pid (\d+)\) (\d+) ms after it died; 2 proxies re-created at their addresses\n/.exec(
        r.stderr,
      );
    expect(restarted, r.stderr).to.not.equal(null);
    if (process.env.HIL_DEBUG) process.stderr.write(`restart + re-creation: ${restarted![2]} ms\n`);
    seen.add(Number(restarted![1]));
    const log = await readFile(join(r.run.result!.runDir, 'toxiproxy.log'), 'utf8');
    expect(log).to.contain(`hil: toxiproxy-server (pid ${victim}) died (killed by SIGKILL)`);
    // Each board's proxy listened at one address all run long: made, re-made after the death, kept.
    for (const id of BOARDS) {
      const started = log
        .split('\n')
        .filter((l) => l.includes('Started proxy') && l.includes(`"name":"${id}"`))
        .map((l) => JSON.parse(l).proxy as string);
      expect(started, `${id}'s proxy in toxiproxy.log`).to.have.length(2);
      expect(new Set(started).size, `${id}'s proxy listened at one address`).to.equal(1);
    }
    expect(seen.size, 'the killed server and its successor').to.equal(2);
    expect(await childrenNamed('toxiproxy-server'), 'toxiproxy-server outlived the run').to.deep.equal([]);
  });

  it('killOnExit covers the restarted server: hil exiting without stop() leaves neither behind', async () => {
    // A process of its own (the guard acts on process exit): starts a managed server, kills it,
    // waits for the restart, prints both pids, and exits without stopping anything.
    const script = join(dir, 'exit-after-restart.mts');
    const module = new URL('../../harness/network/toxiproxy-server.ts', import.meta.url).pathname;
    await writeFile(
      script,
      `import { startToxiproxyServer } from ${JSON.stringify(module)};
const s = await startToxiproxyServer({ handleSignals: false });
const first = s.pid;
process.kill(first, 'SIGKILL');
while (s.outages.length === 0) await new Promise((r) => setTimeout(r, 5));
await s.ready();
console.log(JSON.stringify({ first, second: s.pid }));
process.exit(0);
`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const [code] = await once(child, 'close');
    expect(code, out).to.equal(0);
    const { first, second } = JSON.parse(out) as { first: number; second: number };
    expect(second).to.be.a('number').and.not.equal(first);
    // Polling /proc: the orphan's end has no event to await here.
    for (let i = 0; alive(second); i++) {
      if (i > 100) throw new Error(`the restarted toxiproxy-server (pid ${second}) outlived its hil`);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('unmanaged: a clear error naming the URL and what to do, every later scenario error again at once, exit 3', async () => {
    const server = await ownServer();
    try {
      const r = await runWithDeath(dir, `{ url: "${server.url}", manage: false }`, async () => {
        server.child.kill('SIGKILL');
      });
      const ctx = `\n${verdicts(r).join('\n')}\n${r.stderr}`;
      expect(r.run.exitCode, ctx).to.equal(3);
      expect(new Set(verdicts(r).map((v) => v.split(': ')[1])), ctx).to.deep.equal(new Set(['error']));
      expect(r.byPair.size).to.equal(6);
      const todo = `start toxiproxy-server at ${server.url} again, or set toxiproxy.manage: true in boards.yml`;
      for (const id of BOARDS) {
        const first = r.byPair.get(`death-1 ${id}`)!.verdict.reasons;
        expect(first.join('\n'), ctx).to.match(
          new RegExp(
            `the runner could not go on at \\d+\\.\\d\\ds: Toxiproxy at ${server.url}: its API stopped answering \\(connection refused or reset\\), and every proxy with it: this scenario was not carried out as planned`,
          ),
        );
        expect(first.join('\n')).to.contain(todo);
      }
      const later = `Toxiproxy at ${server.url} does not answer (connection refused or reset): toxiproxy-server there has stopped since the run began. hil does not manage that server (toxiproxy.manage: false), so it cannot restart it: ${todo} to let hil start and restart its own.`;
      for (const s of ['death-2', 'death-3']) {
        expect(r.stderr, ctx).to.contain(`hil run: ${s}: the runner failed: ${later}\n`);
        for (const id of BOARDS)
          expect(r.byPair.get(`${s} ${id}`)!.verdict.reasons).to.deep.equal([
            `board ${id} never got ready: the runner failed: ${later}`,
          ]);
      }
      // Quickly: no bring-up, no timeline, for a server that is not there.
      const end1 = Math.max(...BOARDS.map((id) => r.resultAt.get(`death-1 ${id}`)!));
      const end3 = Math.max(...BOARDS.map((id) => r.resultAt.get(`death-3 ${id}`)!));
      expect(end3 - end1, 'scenarios 2 and 3 took').to.be.lessThan(3000);
      expect(r.stderr).to.contain(`hil run: Toxiproxy at ${server.url}: its API stopped answering`);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});

describe('a managed toxiproxy-server that ends while hil stops (real Toxiproxy)', function () {
  this.timeout(30_000);

  /** A managed server under a caller's signal handling, as `hil run` has it; its notices kept. */
  const managed = async () => {
    const shutdown = new AbortController();
    const notices: string[] = [];
    const s = await startToxiproxyServer({
      handleSignals: false,
      shutdown: shutdown.signal,
      notice: (line) => notices.push(line),
    });
    const first = s.pid as number;
    await s.client.ensureProxy({
      name: 'p',
      listen: { host: '127.0.0.1', port: 0 },
      upstream: '127.0.0.1:9',
    });
    return { s, shutdown, notices, first };
  };
  const settle = () => new Promise((r) => setTimeout(r, 600));

  it("a group Ctrl-C whose SIGINT ends the server before hil's handler runs: no death, no restart", async () => {
    const { s, shutdown, notices, first } = await managed();
    try {
      process.kill(first, 'SIGINT');
      // The server's end is seen first; hil's own SIGINT handler aborts a moment later.
      await new Promise<void>((r) => setTimeout(r, 60));
      shutdown.abort();
      await settle();
      expect(notices).to.deep.equal([]);
      expect(s.outages).to.deep.equal([]);
      expect(s.pid).to.equal(first);
      expect(await childrenNamed('toxiproxy-server')).to.deep.equal([]);
    } finally {
      await s.stop();
    }
  });

  it('a SIGKILL once hil is stopping: said, not restarted', async () => {
    const { s, shutdown, notices, first } = await managed();
    try {
      shutdown.abort();
      process.kill(first, 'SIGKILL');
      await settle();
      expect(notices).to.deep.equal([
        `toxiproxy-server (pid ${first}) died (killed by SIGKILL) while hil was stopping; not restarting it`,
      ]);
      expect(s.outages.map((o) => o.recovery)).to.deep.equal([
        { restarted: false, ms: 0, error: 'hil was stopping the run' },
      ]);
      expect(await childrenNamed('toxiproxy-server')).to.deep.equal([]);
    } finally {
      await s.stop();
    }
  });

  it("a clean end while the run goes on (someone's SIGTERM to the server alone) is still restarted", async () => {
    const { s, notices, first } = await managed();
    try {
      process.kill(first, 'SIGTERM');
      while (s.outages.length === 0) await new Promise((r) => setTimeout(r, 20));
      await s.ready();
      expect(s.pid).to.not.equal(first);
      expect(s.outages[0]?.recovery).to.include({ restarted: true });
      expect(notices[1]).to.match(
        /^toxiproxy-server restarted \(pid \d+\) \d+ ms after it died; 1 proxies re-created/,
      );
    } finally {
      await s.stop();
    }
    expect(await childrenNamed('toxiproxy-server')).to.deep.equal([]);
  });
});
