// How long a managed toxiproxy-server is gone when it dies mid-run: SIGKILL it, and time the
// death seen (its exit), the restart on the same API port with every proxy re-created at its
// port, and the first byte echoed again through a proxy (what a reconnecting board waits for).
//   npx tsx bench/toxiproxy-restart.ts [--proxies 8] [--rounds 10]
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { startToxiproxyServer } from '../harness/network/toxiproxy-server.js';
import { stats } from './proc.js';

const { values } = parseArgs({
  options: { proxies: { type: 'string', default: '8' }, rounds: { type: 'string', default: '10' } },
});
const PROXIES = Number(values.proxies);
const ROUNDS = Number(values.rounds);

const echo = createServer((s) => s.pipe(s));
await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
const upstream = `127.0.0.1:${(echo.address() as { port: number }).port}`;

/** Resolves once `port` echoes a byte back (retrying a refused connection every 5 ms). */
async function echoes(port: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('error', () => resolve(false));
      s.once('connect', () => s.write('x'));
      s.once('data', () => {
        s.destroy();
        resolve(true);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const service = await startToxiproxyServer({ handleSignals: false });
const ports: number[] = [];
for (let i = 0; i < PROXIES; i++) {
  const p = await service.client.ensureProxy({
    name: `b${i}`,
    listen: { host: '127.0.0.1', port: 0 },
    upstream,
  });
  ports.push(p.listen.port);
}
const seen: number[] = [];
const recovered: number[] = [];
const echoed: number[] = [];
try {
  for (let round = 0; round < ROUNDS; round++) {
    const before = service.outages.length;
    const t = performance.now();
    process.kill(service.pid as number, 'SIGKILL');
    // Bench polling: the old proxy may still echo until the kernel has ended the process.
    while (service.outages.length === before) await new Promise((r) => setTimeout(r, 1));
    await echoes(ports[0]!);
    echoed.push(performance.now() - t);
    await service.ready();
    const o = service.outages[before];
    if (!o?.recovery?.restarted) throw new Error(`round ${round}: not restarted: ${JSON.stringify(o)}`);
    if (o.recovery.proxies.length !== PROXIES)
      throw new Error(`round ${round}: ${o.recovery.proxies.length} proxies`);
    seen.push(o.t - t);
    recovered.push(o.t - t + o.recovery.ms);
    for (const port of ports) await echoes(port);
  }
} finally {
  await service.stop();
  echo.close();
  await once(echo, 'close').catch(() => {});
}
const line = (what: string, ms: number[]) => {
  const s = stats(ms);
  console.log(
    `${what.padEnd(46)} median ${s.median.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, max ${s.max.toFixed(0)} ms`,
  );
};
console.log(`toxiproxy-server SIGKILLed ${ROUNDS} times, ${PROXIES} proxies each time`);
line('death seen (its exit event)', seen);
line('restarted, every proxy re-created', recovered);
line('first byte echoed through a proxy again', echoed);
