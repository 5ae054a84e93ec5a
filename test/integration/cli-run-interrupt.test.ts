import { spawn } from 'node:child_process';
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

/** Processes whose command line names `text` (Linux /proc), other than this one. */
async function processesNaming(text: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if (cmd.includes(text)) out.push(`${pid}: ${cmd.slice(0, 120)}`);
  }
  return out;
}

describe('hil run on Ctrl-C and SIGTERM', function () {
  this.timeout(90_000);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: heals the faults, writes what was recorded, stops every process and exits 130`, async () => {
      const board = `sim-int-${signal.toLowerCase()}-${process.pid}`;
      const dir = await mkdtemp(join(tmpdir(), 'hil-int-'));
      try {
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
        const child = spawn(
          process.execPath,
          [
            'bin/hil.js',
            'run',
            '--boards',
            join(dir, 'rack.yml'),
            '--scenarios',
            join(dir, 'long.yml'),
            '--out',
            out,
          ],
          {
            stdio: ['ignore', 'pipe', 'pipe'],
            env: { ...process.env, CI: 'true' },
          },
        );
        let stderr = '';
        let stdout = '';
        child.stdout.on('data', (d) => {
          stdout += d;
        });
        // Ctrl-C once the fault is in place, as a person would mid-run.
        const interrupted = new Promise<void>((resolve) => {
          child.stderr.on('data', (d) => {
            stderr += d;
            if (stderr.includes(`${board}: latency`) && !child.killed) {
              child.kill(signal);
              resolve();
            }
          });
        });
        const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        await interrupted;
        const code = await exit;
        expect(code, stderr).to.equal(130);
        expect(stderr).to.contain('interrupted: healing faults and writing what was recorded');
        const summary = JSON.parse(await readFile(join(out, 'runs', 'latest', 'summary.json'), 'utf8'));
        expect(summary.results).to.have.length(1);
        const history = JSON.parse(
          await readFile(join(out, 'runs', 'latest', 'long-latency', board, 'history.json'), 'utf8'),
        );
        const faults = history.ops
          .filter((o: { kind: string }) => o.kind === 'fault')
          .map((o: { phase: string }) => o.phase);
        expect(faults).to.deep.equal(['start', 'end']);
        expect(stdout).to.match(new RegExp(`long-latency\\s+${board}`));
        // The managed toxiproxy-server and the embedded broker went with it.
        expect(await connectError(toxiproxyPort), 'toxiproxy-server still listening').to.equal(
          'ECONNREFUSED',
        );
        expect(await connectError(brokerPort), 'broker still listening').to.equal('ECONNREFUSED');
        // No board process outlives hil.
        expect(await processesNaming(board)).to.deep.equal([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
