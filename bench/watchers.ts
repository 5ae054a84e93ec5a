// Two observers that run on worker threads, so their work neither blocks nor waits on hil's
// event loop: a /proc sampler of hil's child processes, and a second MQTT subscriber.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Peak and total cost of hil's child processes, by kind (command line). */
export interface RackUsage {
  /** Max over samples of the summed RSS of the board processes, bytes. */
  boardsPeakRss: number;
  /** CPU of the board processes (last sample of each), ms. */
  boardsCpuMs: number;
  boards: number;
  toxiproxyPeakRss: number;
  toxiproxyCpuMs: number;
  /** socat (one per PTY pair). */
  socatPeakRss: number;
  socatCpuMs: number;
  samples: number;
}

const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const kinds = ['boards', 'toxiproxy', 'socat'];
const last = new Map();
const peak = { boards: 0, toxiproxy: 0, socat: 0 };
let samples = 0;
const read = (p) => { try { return readFileSync(p, 'utf8'); } catch { return undefined; } };
function kindOf(pid) {
  const cmd = read('/proc/' + pid + '/cmdline') || '';
  if (cmd.includes('board-host')) return 'boards';
  if (cmd.includes('toxiproxy')) return 'toxiproxy';
  if (cmd.includes('socat')) return 'socat';
  return undefined;
}
function tick() {
  const children = (read('/proc/' + workerData.pid + '/task/' + workerData.pid + '/children') || '').trim().split(/\\s+/).filter(Boolean);
  const rss = { boards: 0, toxiproxy: 0, socat: 0 };
  for (const pid of children) {
    const kind = kindOf(pid);
    if (!kind) continue;
    const stat = read('/proc/' + pid + '/stat');
    const status = read('/proc/' + pid + '/status');
    if (!stat || !status) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = (Number(f[11]) + Number(f[12])) * 10;
    const kib = Number((status.match(/^VmRSS:\\s+(\\d+) kB/m) || [])[1] || 0);
    rss[kind] += kib * 1024;
    last.set(pid, { kind, cpuMs });
  }
  for (const k of kinds) peak[k] = Math.max(peak[k], rss[k]);
  samples++;
}
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', () => {
  tick();
  clearInterval(timer);
  const cpu = { boards: 0, toxiproxy: 0, socat: 0 };
  let boards = 0;
  for (const { kind, cpuMs } of last.values()) { cpu[kind] += cpuMs; if (kind === 'boards') boards++; }
  parentPort.postMessage({
    boardsPeakRss: peak.boards, boardsCpuMs: cpu.boards, boards,
    toxiproxyPeakRss: peak.toxiproxy, toxiproxyCpuMs: cpu.toxiproxy,
    socatPeakRss: peak.socat, socatCpuMs: cpu.socat, samples,
  });
});
`;

/** Samples this process's children every `everyMs` until `stop()`, which resolves with the totals. */
export function sampleRack(everyMs = 500): { stop(): Promise<RackUsage> } {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { pid: process.pid, everyMs } });
  return {
    stop: () =>
      new Promise<RackUsage>((resolve, reject) => {
        worker.once('message', (u: RackUsage) => {
          void worker.terminate();
          resolve(u);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}

const OBSERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const mqtt = require(workerData.mqtt);
const seen = {};
const client = mqtt.connect(workerData.url, { clientId: 'bench-observer', reconnectPeriod: 200 });
client.on('connect', () => client.subscribe('hil/#', { qos: 0 }, () => parentPort.postMessage({ ready: true })));
client.on('message', (topic, payload) => {
  const t = performance.timeOrigin + performance.now();
  try {
    const id = JSON.parse(payload.toString()).id;
    if (typeof id === 'string' && seen[id] === undefined) seen[id] = t;
  } catch {}
});
parentPort.on('message', () => {
  client.end(true, () => parentPort.postMessage({ seen }));
});
`;

/**
 * A second MQTT subscriber (`hil/#`) on the broker at `url`, on its own thread: the wall-clock
 * time (ms since the epoch, timeOrigin + now) it first received each payload id.
 */
export async function observeBroker(url: string): Promise<{ stop(): Promise<Map<string, number>> }> {
  const worker = new Worker(OBSERVER, {
    eval: true,
    workerData: { url, mqtt: createRequire(import.meta.url).resolve('mqtt') },
  });
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        worker.once('message', (m: { seen: Record<string, number> }) => {
          void worker.terminate();
          resolve(new Map(Object.entries(m.seen)));
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}
