import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freePort } from '../../harness/network/free-port.js';
import { connectError } from './toxiproxy-helpers.js';

const LONG = `name: long-latency
duration: 120s
traffic:
  - { class: telemetry, every: 1s }
faults:
  - { at: 2s, latency: { for: 100s, ms: 20 } }
policies:
  telemetry: drop
`;

/** Every process below `root` (Linux /proc), each with its command line: what hil started. */
async function descendants(root: number): Promise<Map<number, string>> {
  const parent = new Map<number, number>();
  for (const name of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parent.set(Number(name), ppid);
  }
  const out = new Map<number, string>();
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  for (const pid of parent.keys()) {
    if (!below(pid)) continue;
    out.set(pid, (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' '));
  }
  return out;
}

/** Those of `started` still alive (the same pid with the same command line), as `pid: command`. */
async function stillAlive(started: Map<number, string>): Promise<string[]> {
  const alive: string[] = [];
  for (const [pid, cmd] of started) {
    const now = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
    if (now !== undefined && now.replaceAll('\0', ' ') === cmd) alive.push(`${pid}: ${cmd.slice(0, 120)}`);
  }
  return alive;
}

interface LongRun {
  child: ChildProcessWithoutNullStreams;
  dir: string;
  out: string;
  brokerPort: number;
  toxiproxyPort: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the latency fault is in place on the board, as a person would see mid-run. */
  faulted: Promise<void>;
  exit: Promise<number | null>;
}

/**
 * `hil run` (the bin) of a 2-minute scenario on one virtual board, on free loopback ports.
 * `group`: in a process group of its own, as a terminal runs it (signal it with `-pid`).
 */
async function longRun(board: string, group = false): Promise<LongRun> {
  const dir = await mkdtemp(join(tmpdir(), 'hil-int-'));
  await writeFile(join(dir, 'long.yml'), LONG);
  const brokerPort = 20_000 + Math.floor(Math.random() * 10_000);
  const toxiproxyPort = await freePort();
  await writeFile(
    join(dir, 'rack.yml'),
    `broker: { listen: "127.0.0.1:${brokerPort}" }
toxiproxy: { url: "http://127.0.0.1:${toxiproxyPort}", manage: true }
boards:
  - { id: ${board}, virtual: { model: resilient } }
`,
  );
  const out = join(dir, 'reports');
  const args = ['run', '--boards', join(dir, 'rack.yml'), '--scenarios', join(dir, 'long.yml'), '--out', out];
  const child = spawn(process.execPath, ['bin/hil.js', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, CI: 'true' },
    detached: group,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const faulted = new Promise<void>((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes(`${board}: latency`)) resolve();
    });
  });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    dir,
    out,
    brokerPort,
    toxiproxyPort,
    stdout: () => stdout,
    stderr: () => stderr,
    faulted,
    exit,
  };
}

/** Nothing hil started is left: the managed toxiproxy-server, the broker, board and socat processes. */
async function nothingLeft(run: LongRun, started: Map<number, string>): Promise<void> {
  expect(await connectError(run.toxiproxyPort), 'toxiproxy-server still listening').to.equal('ECONNREFUSED');
  expect(await connectError(run.brokerPort), 'broker still listening').to.equal('ECONNREFUSED');
  expect(await stillAlive(started), 'processes hil started outlived it').to.deep.equal([]);
}

describe('hil run on Ctrl-C and SIGTERM', function () {
  this.timeout(90_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: heals the faults, writes what was recorded, stops every process and exits 130`, async () => {
      const board = `sim-int-${signal.toLowerCase()}-${process.pid}`;
      const run = await longRun(board);
      try {
        await run.faulted;
        const started = await descendants(run.child.pid as number);
        expect([...started.values()].join('\n')).to.match(/board-host|virtual-board/);
        run.child.kill(signal);
        const code = await run.exit;
        expect(code, run.stderr()).to.equal(130);
        expect(run.stderr()).to.contain('interrupted: healing faults and writing what was recorded');
        const latest = join(run.out, 'runs', 'latest');
        const summary = JSON.parse(await readFile(join(latest, 'summary.json'), 'utf8'));
        expect(summary.results).to.have.length(1);
        // Stopped mid-scenario: error, not carried out, never a failure of the firmware.
        expect(summary.results[0].verdict).to.equal('error');
        expect(summary.verdict).to.equal('error');
        // The run says it was interrupted, by what; the cut board is no one's failure, said once.
        expect(summary.interrupted.signal).to.equal(signal);
        expect(Date.parse(summary.interrupted.at)).to.be.a('number').and.not.NaN;
        expect(summary.results[0].failed).to.equal('interrupted');
        expect(summary.results[0].reasons).to.have.length(1);
        expect(run.stdout().match(/the run was stopped at/g), run.stdout()).to.have.length(1);
        expect(run.stdout()).to.include(`Who failed: nobody: the run was interrupted by ${signal}`);
        const history = JSON.parse(
          await readFile(join(latest, 'long-latency', board, 'history.json'), 'utf8'),
        );
        const faults = history.ops
          .filter((o: { kind: string }) => o.kind === 'fault')
          .map((o: { phase: string }) => o.phase);
        expect(faults).to.deep.equal(['start', 'end']);
        expect(history.interrupted.at).to.be.a('number');
        expect(run.stdout()).to.match(new RegExp(`long-latency\\s+${board}`));
        await nothingLeft(run, started);
      } finally {
        await rm(run.dir, { recursive: true, force: true });
      }
    });
  }

  it("Ctrl-C at a terminal (SIGINT to the whole process group): toxiproxy-server's end is no death, nothing is restarted", async () => {
    const board = `sim-int-group-${process.pid}`;
    const run = await longRun(board, true);
    try {
      await run.faulted;
      const started = await descendants(run.child.pid as number);
      const server = [...started].find(([, cmd]) => cmd.includes('toxiproxy-server'));
      expect(server, 'the managed toxiproxy-server').to.not.equal(undefined);
      process.kill(-(run.child.pid as number), 'SIGINT');
      const code = await run.exit;
      expect(code, run.stderr()).to.equal(130);
      expect(run.stderr()).to.contain('interrupted: healing faults and writing what was recorded');
      expect(run.stderr()).to.not.match(/restart|died/);
      const latest = join(run.out, 'runs', 'latest');
      const toxiproxyLog = await readFile(join(latest, 'toxiproxy.log'), 'utf8');
      expect(toxiproxyLog).to.not.match(/hil: toxiproxy-server/);
      const history = JSON.parse(await readFile(join(latest, 'long-latency', board, 'history.json'), 'utf8'));
      // Interrupted, not a rack failure: no error op names the server.
      const errors = history.ops.filter((o: { kind: string }) => o.kind === 'error');
      expect(JSON.stringify(errors)).to.not.contain('toxiproxy');
      await nothingLeft(run, started);
    } finally {
      await rm(run.dir, { recursive: true, force: true });
    }
  });

  it('a second Ctrl-C exits 130 at once, and still leaves no process behind', async () => {
    const board = `sim-int-twice-${process.pid}`;
    const run = await longRun(board);
    try {
      await run.faulted;
      const started = await descendants(run.child.pid as number);
      run.child.kill('SIGINT');
      await new Promise<void>((resolve) => {
        const seen = () => run.stderr().includes('Ctrl-C again to force');
        if (seen()) return resolve();
        run.child.stderr.on('data', () => seen() && resolve());
      });
      run.child.kill('SIGINT');
      const code = await run.exit;
      // hil exits 130 itself, or (if the second press lands once its handlers are gone) dies of
      // the SIGINT, which a shell reports as 130 too.
      expect(code ?? 128 + 2, `${run.stderr()} (signal ${run.child.signalCode})`).to.equal(130);
      if (code === null) expect(run.child.signalCode).to.equal('SIGINT');
      await nothingLeft(run, started);
    } finally {
      await rm(run.dir, { recursive: true, force: true });
    }
  });
});
