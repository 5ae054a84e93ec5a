import { spawn } from 'node:child_process';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FLUSH_EVERY_MS } from '../../harness/scenario/line-log.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'crash-run.ts');
const MARK_MS = 1500;

interface Crashed {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Timeline ms at which the child said it would leave (or, for hang, was still running). */
  mark: number;
  serial: string;
  broker: string;
  /** history.jsonl: the ops recorded so far, one JSON line each. */
  history: string;
  stderr: string;
}

/**
 * Runs the fixture in its own process group; `hang` is SIGKILLed `killAfterMs` after its mark.
 * The group is SIGKILLed at the end whatever happened, so no helper outlives the test.
 */
async function crash(dir: string, mode: 'exit' | 'throw' | 'hang', killAfterMs = 0): Promise<Crashed> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, mode, String(MARK_MS)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const marked = new Promise<number>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^mark (\d+)$/m.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (code, signal) => resolve([code, signal])),
  );
  try {
    const mark = await Promise.race([
      marked,
      exited.then(([code, signal]) => {
        throw new Error(`fixture ended (${signal ?? code}) before its mark: ${stderr}`);
      }),
    ]);
    if (mode === 'hang') {
      await new Promise((r) => setTimeout(r, killAfterMs));
      process.kill(-(child.pid as number), 'SIGKILL');
    }
    const [code, signal] = await exited;
    const board = join(dir, 'crash-1');
    return {
      code,
      signal,
      mark,
      serial: await readFile(join(board, 'serial.log'), 'utf8'),
      broker: await readFile(join(board, 'broker.log'), 'utf8'),
      history: await readFile(join(board, 'history.jsonl'), 'utf8'),
      stderr,
    };
  } finally {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
}

/** The last timeline time (s) among `[1.234s] ...` (serial.log) or `1.234s ...` (broker.log) lines. */
function lastTime(log: string): number {
  const times = [...log.matchAll(/^\[?(\d+\.\d{3})s\]? /gm)].map((m) => Number(m[1]));
  return Math.max(...times);
}

/** The telemetry numbers the broker saw published, in order. */
function published(broker: string): number[] {
  return [...broker.matchAll(/ publish client hil-crash-1 .* id=crash-1-telemetry-(\d+) /g)].map((m) =>
    Number(m[1]),
  );
}

/** Both logs hold the setup and every line up to about `upTo` s, with no gap. */
function expectLogsUpTo(c: Crashed, upTo: number): void {
  expect(c.serial).to.match(/^\[setup\] @hil \{"ev":"hello"/m);
  expect(c.serial).to.match(/^\[setup\] @hil \{"ev":"mqtt","state":"connected"\}$/m);
  expect(c.broker).to.match(/^setup connect hil-crash-1 clean=true from 127\.0\.0\.1:\d+$/m);
  // Telemetry every 100 ms: the last line on disk is at most a little more than one period old.
  expect(lastTime(c.serial)).to.be.at.least(upTo - 0.25);
  expect(lastTime(c.broker)).to.be.at.least(upTo - 0.25);
  const ids = published(c.broker);
  expect(ids.length).to.be.at.least(10);
  expect(ids).to.deep.equal(ids.map((_, i) => i + 1));
  // history.jsonl: its t0 line, and ops up to about the same time (absolute ms, t0 taken off).
  const ops = c.history
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { t0?: number; t?: number; kind?: string });
  const t0 = ops.find((o) => o.t0 !== undefined)?.t0;
  expect(t0, 'a t0 line').to.be.a('number');
  const lastOp = Math.max(...ops.flatMap((o) => (o.t === undefined ? [] : [o.t - (t0 as number)])));
  expect(lastOp / 1000).to.be.at.least(upTo - 0.25);
  expect(ops.filter((o) => o.kind === 'emit').length).to.be.at.least(10);
  // Each line is whole (a flush never cuts one).
  for (const log of [c.serial, c.broker, c.history]) expect(log.endsWith('\n')).to.equal(true);
}

describe('serial.log and broker.log survive a crash of hil (real scenario, virtual board)', function () {
  this.timeout(60_000);
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-crash-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('process.exit mid-timeline: every line received so far is on disk', async () => {
    const c = await crash(dir, 'exit');
    expect(c.code, c.stderr).to.equal(7);
    // Mid-run: the scenario never reached its end (no history.json).
    const finished = await access(join(dir, 'crash-1', 'history.json')).then(
      () => true,
      () => false,
    );
    expect(finished).to.equal(false);
    expectLogsUpTo(c, c.mark / 1000);
  });

  it('an uncaught error mid-timeline: every line received so far is on disk', async () => {
    const c = await crash(dir, 'throw');
    expect(c.code).to.equal(1);
    expect(c.stderr).to.include('hil crashed on purpose');
    expectLogsUpTo(c, c.mark / 1000);
  });

  it(`SIGKILL: lines older than the flush interval (${FLUSH_EVERY_MS} ms) are on disk`, async () => {
    // Killed 4 flush intervals after the mark: every line up to the mark is older than one.
    const c = await crash(dir, 'hang', 4 * FLUSH_EVERY_MS);
    expect(c.signal).to.equal('SIGKILL');
    expectLogsUpTo(c, c.mark / 1000);
  });
});
