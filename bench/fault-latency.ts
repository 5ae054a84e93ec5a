/**
 * How late do faults land? Applies and heals faults on N proxies at once (default 8), on a
 * fixed schedule, with an MQTT client publishing through each proxy, and prints how late each
 * apply and heal took effect against its schedule: median, p99, max.
 *
 *   npx tsx bench/fault-latency.ts [--proxies 8] [--rounds 25] [--period 400] [--hold 200]
 */
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../harness/broker/embedded.js';
import { applyFault, healFault } from '../harness/faults/actions.js';
import type { FaultContext, FaultHandle } from '../harness/faults/context.js';
import { runHook } from '../harness/faults/hooks.js';
import { type FaultKindName, faultDefinition } from '../harness/faults/registry.js';
import { startToxiproxyServer } from '../harness/network/toxiproxy-server.js';

const { values } = parseArgs({
  options: {
    proxies: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '25' },
    period: { type: 'string', default: '400' },
    hold: { type: 'string', default: '200' },
  },
});
const PROXIES = Number(values.proxies);
const ROUNDS = Number(values.rounds);
const PERIOD = Number(values.period);
const HOLD = Number(values.hold);

/** The faults cycled through, as YAML blocks; each board starts at a different one. */
const MIX: Array<[FaultKindName, Record<string, unknown>]> = [
  ['latency', { for: '1s', ms: 100, jitter: 20 }],
  ['wifi-outage', { for: '1s' }],
  ['bandwidth', { for: '1s', rate: 8 }],
  ['half-open', { for: '1s' }],
  ['slicer', { for: '1s' }],
  ['broker-outage', { for: '1s' }],
];

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const f = (v: number) => `${v.toFixed(1)} ms`;
  return `n=${sorted.length}  median ${f(at(0.5))}  p99 ${f(at(0.99))}  max ${f(sorted[sorted.length - 1] ?? Number.NaN)}`;
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
}

async function main(): Promise<void> {
  const toxiproxy = await startToxiproxyServer();
  const broker = await EmbeddedBroker.start();
  const clients: MqttClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const contexts: FaultContext[] = [];
    for (let i = 0; i < PROXIES; i++) {
      const proxy = await toxiproxy.client.ensureProxy({
        name: `bench-${i}`,
        listen: { host: '127.0.0.1', port: 0 },
        upstream: broker.upstream,
      });
      contexts.push({
        board: { id: proxy.name, wifi: { kind: 'proxy' }, clientId: `bench-${i}` },
        proxy,
        broker,
        run: (command) => runHook(command),
        record: () => {},
      });
      // A board-like load: telemetry every 100 ms, reconnecting after each outage.
      const client = mqtt.connect(`mqtt://127.0.0.1:${proxy.listen.port}`, {
        clientId: `bench-${i}`,
        reconnectPeriod: 200,
        keepalive: 30,
      });
      client.on('error', () => {});
      clients.push(client);
      let seq = 0;
      timers.push(
        setInterval(() => {
          if (client.connected)
            client.publish(`hil/bench-${i}/telemetry`, JSON.stringify({ id: `b${i}-${++seq}` }));
        }, 100),
      );
    }

    const applyLate: number[] = [];
    const healLate: number[] = [];
    const apiTime: number[] = [];
    const t0 = performance.now() + 500;
    const boards = contexts.map(async (ctx, i) => {
      for (let round = 0; round < ROUNDS; round++) {
        const [kind, raw] = MIX[(i + round) % MIX.length] as [FaultKindName, Record<string, unknown>];
        const due = t0 + round * PERIOD;
        await sleepUntil(due);
        const handle: FaultHandle = await applyFault(kind, faultDefinition(kind).parse(raw), ctx);
        applyLate.push(handle.start - due);
        apiTime.push(handle.start - handle.requested);
        const healDue = due + HOLD;
        await sleepUntil(healDue);
        await healFault(handle);
        healLate.push((handle.end ?? Number.NaN) - healDue);
      }
    });
    await Promise.all(boards);

    console.log(`fault lateness: ${PROXIES} proxies × ${ROUNDS} rounds, every ${PERIOD} ms, held ${HOLD} ms`);
    console.log(`  apply (scheduled → in place): ${stats(applyLate)}`);
    console.log(`  heal  (scheduled → removed):  ${stats(healLate)}`);
    console.log(`  apply API time alone:         ${stats(apiTime)}`);
  } finally {
    for (const t of timers) clearInterval(t);
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await toxiproxy.client.reset().catch(() => {});
    await broker.close();
    await toxiproxy.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
