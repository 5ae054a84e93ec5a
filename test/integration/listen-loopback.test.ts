import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freeLowPort, freePort } from '../../harness/network/free-port.js';
import { isLoopback, type Listener, listeners, processTree } from './proc-sockets.js';

const SCENARIO = `name: loopback
duration: 10s
drain: 1s
traffic:
  - { class: telemetry, every: 1s }
faults:
  - { at: 2s, latency: { for: 2s, ms: 20 } }
policies:
  telemetry: drop
`;

describe('hil run listens on loopback only, but for the proxies boards.yml puts on 0.0.0.0', function () {
  this.timeout(90_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-loopback-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every listening TCP socket of hil and its helpers mid-run: all loopback, one proxy on 0.0.0.0 where it was asked', async () => {
    const brokerPort = await freeLowPort('0.0.0.0');
    const lanPort = await freeLowPort('0.0.0.0');
    const toxiproxyPort = await freePort();
    await writeFile(join(dir, 'loopback.yml'), SCENARIO);
    await writeFile(
      join(dir, 'rack.yml'),
      `broker: { listen: "127.0.0.1:${brokerPort}" }
toxiproxy: { url: "http://127.0.0.1:${toxiproxyPort}", manage: true }
boards:
  - { id: lo-local, virtual: { model: robust } }
  - { id: lo-lan, virtual: { model: simple }, listen: "0.0.0.0:${lanPort}" }
`,
    );
    const args = ['run', '--boards', join(dir, 'rack.yml'), '--scenarios', join(dir, 'loopback.yml')];
    const child = spawn(process.execPath, ['bin/hil.js', ...args, '--out', join(dir, 'reports')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stderr = '';
    const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Mid-run: in the timeline every service and board is up.
    const faulted = new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/^\[loopback\] timeline /m.test(stderr)) resolve();
      }),
    );
    child.stdout.resume();
    let found: Listener[];
    try {
      await Promise.race([
        faulted,
        exit.then((code) => {
          throw new Error(`hil run ended (${code}) before its timeline: ${stderr}`);
        }),
      ]);
      found = await listeners(await processTree(child.pid as number));
    } finally {
      child.kill('SIGINT');
      await exit;
    }
    const where = (l: Listener) => `${l.host}:${l.port} (${l.command.split(' ').slice(0, 2).join(' ')})`;
    const all = found.map(where).join('\n');
    // The managed server's API port is its own choice (a free one): read it from its command line.
    const apiPort = Number(
      /toxiproxy-server .*-port (\d+)/.exec(found.map((l) => l.command).join('\n'))?.[1],
    );
    // The services are all there: hil's broker, Toxiproxy's API and both proxies.
    expect(
      found.map((l) => l.port),
      all,
    ).to.include.members([brokerPort, apiPort, lanPort]);
    expect(found.length, all).to.equal(4);
    // Only the proxy boards.yml put on 0.0.0.0 is on every interface (Go shows it as [::], dual-stack).
    const open = found.filter((l) => !isLoopback(l.host));
    expect(open.map(where), all).to.have.length(1);
    expect(open[0]?.host).to.be.oneOf(['0.0.0.0', '::']);
    expect(open[0]?.port).to.equal(lanPort);
    expect(open[0]?.command).to.match(/toxiproxy-server/);
    expect(found.find((l) => l.port === apiPort)?.host).to.equal('127.0.0.1');
    expect(found.find((l) => l.port === brokerPort)?.host).to.equal('127.0.0.1');
    expect(found.find((l) => l.port === brokerPort)?.pid).to.equal(child.pid);
  });
});
