import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { LineLink } from '../../harness/board/line-link.js';
import { BoardSession } from '../../harness/board/session.js';
import type { BoardSpec } from '../../harness/spec/types.js';
import { openBoardLink } from '../../harness/transports/open.js';

const AGENT = fileURLToPath(new URL('../fixtures/board/fake-agent.ts', import.meta.url));
const CORE = fileURLToPath(new URL('../../fixtures/micropython/hil_core.py', import.meta.url));
const WIRE = fileURLToPath(new URL('../../fixtures/micropython/hil_wire.py', import.meta.url));

/**
 * The `micropython: { binary }` board kind (a unix-port binary the user built) without one on
 * this machine: a stand-in "binary" that prints what the real one would see (its working
 * folder's files and MICROPYPATH) on its console, then speaks the agent protocol there. What is
 * checked is hil's side: files laid out as `hil deploy` would, lib/ on MICROPYPATH, the console
 * a PTY, hello answered, and a restart (the board's power cycle) booting it again.
 */
describe('micropython: { binary } boards (unix-port stand-in on a PTY)', function () {
  this.timeout(60_000);
  let dir: string;
  let link: LineLink | undefined;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-unixport-'));
  });
  after(async () => {
    await link?.close().catch(() => {});
    await stop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('lays out the files, puts lib/ on MICROPYPATH, runs it on a PTY, and restarts it as a new boot', async () => {
    const binary = join(dir, 'micropython');
    // argv[1] is main.py; stdin/stdout are the PTY, as for the real binary.
    await writeFile(
      binary,
      `#!/bin/sh
echo "argv: $1; files: $(find . -type f | sort | tr '\\n' ' ')"
echo "MICROPYPATH=$MICROPYPATH"
exec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(import.meta.resolve('tsx'))} ${JSON.stringify(AGENT)} --device /proc/self/fd/0 --board unix-1
`,
    );
    await chmod(binary, 0o755);
    const main = join(dir, 'app.py');
    await writeFile(main, 'print("app")\n');
    const board: BoardSpec = {
      id: 'unix-1',
      transport: {
        kind: 'micropython',
        files: [`${main}:main.py`, `${CORE}:hil_core.py`, `${WIRE}:lib/hil_wire.py`],
        binary,
      },
      firmware: 'micropython-unix',
      tags: [],
      reset: [],
      readyMs: 30_000,
      status: 'enabled',
      baud: 115200,
      wifi: { kind: 'proxy' },
      origin: { file: 'test', line: 1, col: 1 },
    };
    const opened = await openBoardLink(board, {
      log: (l) => process.env.HIL_DEBUG && process.stderr.write(`${l}\n`),
    });
    link = opened.link;
    stop = () => opened.board.stop();
    const lines: string[] = [];
    link.on('line', (l) => lines.push(l.text));
    const session = new BoardSession(link, { run: 't' });
    const first = await session.hello(20_000);
    expect(first.event.board).to.equal('unix-1');
    expect(opened.board.path).to.match(/^\/dev\/pts\/\d+$/);

    // A power cycle: the process is started again on the same PTY, a new boot id.
    const boot = session.waitFor((o) => (o.kind === 'boot' ? o : undefined), 20_000, 'a new boot');
    await opened.board.restart?.();
    await session.hello(20_000);
    expect((await boot).kind).to.equal('boot');
    expect(String(session.bootId)).to.not.equal(String(first.event.boot));

    // What the stand-in printed of its world at its second start (the first may precede the open).
    const argv = lines.find((l) => l.startsWith('argv: '));
    expect(argv).to.equal('argv: main.py; files: ./hil_core.py ./lib/hil_wire.py ./main.py ');
    const path = lines.find((l) => l.startsWith('MICROPYPATH='));
    expect(path).to.match(/^MICROPYPATH=\.frozen:\/.+\/lib:\/.+$/);
    await session.close();
  });
});
