import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { openPtyPair } from '../../harness/board/pty-pair.js';
import { EmbeddedBroker } from '../../harness/broker/embedded.js';
import { freePort, freeLowPort as lowPort } from '../../harness/network/free-port.js';
import { describeHolders, pathHolders, portHolders } from '../../harness/network/holder.js';
import { preflight } from '../../harness/run/preflight.js';
import { runSuite } from '../../harness/run/run-suite.js';
import { HilError } from '../../harness/spec/errors.js';
import { testBoard } from '../fixtures/board/test-board.js';

/** A process of its own that holds a port or a file until killed; resolves once it does. */
async function holder(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout as NodeJS.ReadableStream, 'data');
  return child;
}

describe('who holds a port or a device (Linux /proc)', function () {
  this.timeout(20_000);
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('names the process listening on a TCP port, and nobody on a free one', async () => {
    const port = await freePort();
    const child = await holder(
      `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`,
    );
    children.push(child);
    const found = await portHolders(port);
    expect(found.map((h) => h.pid)).to.deep.equal([child.pid]);
    expect(describeHolders(found)).to.match(new RegExp(`^pid ${child.pid} \\(.*node.*-e`));
    expect(await portHolders(await freePort())).to.deep.equal([]);
  });

  it('names the process that has a file open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-holder-'));
    const file = join(dir, 'ttyFAKE0');
    await writeFile(file, '');
    const child = await holder(
      `const fd = require('fs').openSync(${JSON.stringify(file)}, 'r'); console.log(fd); setInterval(() => {}, 60_000)`,
    );
    children.push(child);
    expect((await pathHolders(file)).map((h) => h.pid)).to.deep.equal([child.pid]);
  });

  it('the embedded broker on a taken port fails with the holder named', async () => {
    const port = await freePort();
    const child = await holder(
      `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`,
    );
    children.push(child);
    const err = await EmbeddedBroker.start({ listen: { host: '127.0.0.1', port } }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).code).to.equal('HIL_E_BROKER');
    expect((err as Error).message).to.include(`held by pid ${child.pid}`);
  });

  it('hil run exits 3 before anything runs when the broker port or a serial port is held, naming the holder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-preflight-'));
    const [brokerPort, proxyPort] = [await lowPort(), await lowPort()];
    const tty = join(dir, 'ttyACM9');
    await writeFile(tty, '');
    const port = await holder(
      `require('net').createServer().listen(${brokerPort}, '127.0.0.1', () => console.log('up'))`,
    );
    const file = await holder(
      `require('fs').openSync(${JSON.stringify(tty)}, 'r'); console.log('open'); setInterval(() => {}, 60_000)`,
    );
    children.push(port, file);
    await writeFile(
      join(dir, 'rack.yml'),
      `broker: { listen: "127.0.0.1:${brokerPort}" }
toxiproxy: { url: "http://127.0.0.1:${await freePort()}", manage: true }
boards:
  - { id: pico, serial: ${tty}, listen: "127.0.0.1:${proxyPort}" }
`,
    );
    await writeFile(
      join(dir, 's.yml'),
      'name: s\nduration: 5s\ntraffic:\n  - { class: t, every: 1s }\npolicies:\n  t: drop\n',
    );
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const run = await runSuite(
      { boards: join(dir, 'rack.yml'), scenarios: [join(dir, 's.yml')], out: join(dir, 'reports') },
      { handleSignals: false, stdout: new PassThrough(), stderr },
    );
    expect(run.exitCode).to.equal(3);
    expect(run.result).to.equal(undefined);
    expect(err).to.include(`broker.listen 127.0.0.1:${brokerPort} is taken by pid ${port.pid}`);
    expect(err).to.include(`board pico: serial port ${tty} is open in another program by pid ${file.pid}`);
  });
  it('a board on a PTY is not held by "another program": socat holds the other end of its cable', async () => {
    const pty = await openPtyPair();
    try {
      const rack = {
        file: 'rack.yml',
        broker: { listen: { host: '127.0.0.1', port: 0 } },
        toxiproxy: { url: 'http://127.0.0.1:1', manage: true },
        boards: [],
      };
      const board = testBoard('on-pty', { kind: 'serial-path', path: pty.host });
      expect((await pathHolders(pty.host)).length, 'socat holds the PTY').to.be.greaterThan(0);
      expect(await preflight(rack, [board])).to.deep.equal([]);
    } finally {
      await pty.close();
    }
  });
});
