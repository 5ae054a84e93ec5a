/**
 * A real MicroPython (1.9.2, the micro:bit's) on a real serial line: QEMU emulates the board,
 * `hil deploy` pushes the agent and a small app over the raw REPL, and the board session talks
 * to it. No network here: the app "publishes" to its console.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { Observation } from '../../harness/board/observation.js';
import { linkOn } from '../../harness/board/open-board.js';
import { BoardSession } from '../../harness/board/session.js';
import type { BoardConsole, ConsolePort } from '../../harness/board/transport.js';
import { deployCommand } from '../../harness/cli/deploy-command.js';
import { readFile as readBoardFile, writeFile as writeBoardFile } from '../../harness/deploy/board-files.js';
import { deploy } from '../../harness/deploy/deploy.js';
import { qemuMicrobitAvailable } from '../../harness/deploy/qemu-microbit.js';
import { RawRepl } from '../../harness/deploy/raw-repl.js';
import { resetBoard } from '../../harness/deploy/reset.js';
import type { HilError } from '../../harness/spec/errors.js';
import { openBoard, resetTargetOf } from '../../harness/transports/open.js';
import { agentConformance, testBoard } from './agent-conformance.js';

const MP = 'fixtures/micropython';
/** The agent as a board without a network needs it, and the console app as main.py. */
const AGENT_FILES = [
  { local: `${MP}/hil_agent.py`, remote: 'hil_agent.py' },
  { local: `${MP}/hil_core.py`, remote: 'hil_core.py' },
  { local: `${MP}/hil_wire.py`, remote: 'hil_wire.py' },
  { local: `${MP}/apps/app_console.py`, remote: 'main.py' },
];
/** QEMU translates guest code on first run: slow steps, generous timeouts. */
const STEP_MS = 30_000;
/** The emulated board, as the opener opens it (the QEMU micro:bit is no boards.yml transport). */
const QEMU_BOARD = testBoard('qemu-microbit', { kind: 'qemu-microbit' });

/** Skips on a developer machine without QEMU; in CI, where setup installs it, a missing QEMU fails. */
async function skipWithoutQemu(ctx: Mocha.Context): Promise<void> {
  const missing = await qemuMicrobitAvailable();
  if (!missing) return;
  if (process.env.CI)
    throw new Error(`QEMU micro:bit unavailable in CI: ${missing} (scripts/setup.sh installs it)`);
  console.warn(`    skipped: ${missing}`);
  ctx.skip();
}

describe('QEMU micro:bit: agent conformance on MicroPython 1.9', function () {
  this.timeout(180_000);
  before(async function () {
    await skipWithoutQemu(this);
  });
  agentConformance(
    async () => {
      const board = await openBoard(QEMU_BOARD);
      try {
        await deploy(board, AGENT_FILES, { board: 'qemu-microbit', timeoutMs: STEP_MS });
      } catch (err) {
        await board.stop();
        throw err;
      }
      return { board };
    },
    { interruptTraceback: true, bootTimeout: STEP_MS, eventTimeout: 15_000 },
  );
});

describe('QEMU micro:bit: hil deploy, the agent and its app', function () {
  this.timeout(180_000);
  let q: BoardConsole | undefined;
  let port: ConsolePort | undefined;
  let dir: string | undefined;
  let session: BoardSession | undefined;
  let seen: Observation[] = [];

  before(async function () {
    await skipWithoutQemu(this);
    q = await openBoard(QEMU_BOARD);
    dir = await mkdtemp(join(tmpdir(), 'hil-qemu-'));
  });

  afterEach(async () => {
    await session?.close().catch(() => {});
    session = undefined;
  });

  after(async () => {
    await q?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs `fn` on the board's raw REPL (interrupting the app), then lets go of the port. */
  async function withRepl<T>(fn: (r: RawRepl) => Promise<T>): Promise<T> {
    const open = await (q as BoardConsole).open();
    const repl = new RawRepl(open.stream, { board: 'qemu-microbit', timeoutMs: STEP_MS });
    try {
      await repl.enter();
      return await fn(repl);
    } finally {
      repl.detach();
      await open.close();
    }
  }

  async function openSession(): Promise<BoardSession> {
    port = await (q as BoardConsole).open();
    const link = linkOn(port, { board: 'qemu-microbit' });
    session = new BoardSession(link, { run: 'qemu', helloTimeout: STEP_MS, idleProbe: 0 });
    seen = [];
    session.on('observation', (o) => seen.push(o));
    return session;
  }

  it('deploys with `hil deploy` from boards.yml: plain raw mode, as 1.9 has no raw-paste', async () => {
    const boards = join(dir as string, 'boards.yml');
    await writeFile(
      boards,
      [
        'boards:',
        '  - id: qemu-microbit',
        `    serial: ${(q as BoardConsole).path}`,
        '    listen: 0.0.0.0:21001',
        '    reset: repl',
        '',
      ].join('\n'),
    );
    const out = sink();
    const err = sink();
    const code = await deployCommand({
      boards,
      board: 'qemu-microbit',
      files: AGENT_FILES.map((f) => `${f.local}:${f.remote}`),
      out: out.stream,
      err: err.stream,
      deploy: { timeoutMs: STEP_MS },
    });
    expect(err.text(), 'stderr').to.equal('');
    expect(code).to.equal(0);
    expect(out.text()).to.match(/deployed 4 file\(s\), \d+ bytes, in [\d.]+ s \(plain raw mode\)/);
    expect(out.text()).to.contain('apps/app_console.py -> main.py');
  });

  it('reads back every file byte for byte', async () => {
    const files = AGENT_FILES;
    const back = await withRepl(async (r) => {
      const got: Buffer[] = [];
      for (const f of files) got.push(await readBoardFile(r, f.remote));
      await r.runMain();
      return got;
    });
    for (const [i, f] of files.entries())
      expect(back[i]?.equals(await readFile(f.local)), f.remote).to.equal(true);
  });

  it('shows the traceback when the app raises, with its error line', async () => {
    const s = await openSession();
    await s.hello();
    const tb = s.waitFor((o) => (o.kind === 'traceback' ? o : undefined), STEP_MS, 'traceback');
    await s.emit('crash', 'q-crash-1');
    const o = await tb;
    expect(o.lines[0]).to.equal('Traceback (most recent call last):');
    expect(o.error).to.equal('RuntimeError: crash asked for by q-crash-1');
    const noticed = seen.find((x) => x.kind === 'event' && x.event.ev === 'emitted');
    expect(noticed, 'emitted before the crash').to.not.equal(undefined);
  });

  it("restarts the dead app with a `repl` reset, and reboots on the agent's reset op", async () => {
    const s = await openSession();
    // The app died in the last test: the board sits at its REPL and no agent answers.
    const hello = s.waitForEvent('hello', undefined, STEP_MS, 'hello after the repl reset');
    // Through the opener: its writes go to the session's open port, and a PTY has no modem lines.
    await resetBoard({ kind: 'repl' }, resetTargetOf(QEMU_BOARD, q as BoardConsole, port));
    const first = (await hello).event;
    const rebooted = s.waitFor(
      (o) => (o.kind === 'boot' && o.reason === 'hello' ? o : undefined),
      STEP_MS,
      'boot after the reset op',
    );
    await s.reset();
    const o = await rebooted;
    expect(String(o.boot)).to.not.equal(String(first.boot));
    expect(s.bootId).to.equal(o.boot);
  });

  it('runs hil_net on MicroPython 1.9: the WiFi guard holds the interface down, commands are reported', async () => {
    const out = await withRepl(async (r) => {
      // The micro:bit's filesystem holds about 15 KB: make room for hil_net and its checks.
      await r.exec("import os\nfor n in ('main.py', 'hil_core.py', 'hil_agent.py'):\n os.remove(n)");
      for (const name of ['hil_net.py', 'checks/wifi_guard.py', 'checks/received.py'])
        await writeBoardFile(r, name.replace('checks/', ''), await readFile(`${MP}/${name}`));
      const said: string[] = [];
      for (const [first, check] of [
        ['', 'wifi_guard'],
        ['import hil_wire', 'received'],
      ]) {
        // A fresh heap for each, largest module first: 9 KB leave no room for leftovers.
        await r.softReset();
        if (first) await r.exec(first);
        await r.exec('import hil_net');
        said.push((await r.exec(`import ${check}`, STEP_MS)).trim());
      }
      return said;
    });
    expect(out).to.deep.equal(['wifi guard ok', 'received ok']);
  });

  it("reports the board's own error when a write cannot be done", async () => {
    const f = join(dir as string, 'x.py');
    await writeFile(f, 'x = 1\n');
    let err: unknown;
    await deploy(q as BoardConsole, [{ local: f, remote: 'lib/x.py' }], {
      board: 'qemu-microbit',
      timeoutMs: STEP_MS,
    }).catch((e) => (err = e));
    expect((err as HilError).code, (err as HilError).message).to.equal('HIL_E_BOARD');
    // The micro:bit's filesystem is flat: its os has no mkdir.
    expect((err as HilError).message).to.match(
      /^qemu-microbit: cannot make folder lib for lib\/x.py \(os.mkdir\): AttributeError: .*mkdir/,
    );
  });
});

function sink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}
