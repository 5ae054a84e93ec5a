// What a virtual board costs when many share one process (as board-host.ts runs them). Opens K
// PTY pairs and runs K agents in this process, as a board host does, then prints this process's RSS and CPU against K: the marginal cost per board.
// The agents are booted but not configured (no MQTT client yet), as at bring-up.
//   npx tsx bench/boards-per-process.ts [--boards 1,8,32]
import { parseArgs } from 'node:util';
import { ReadlineParser, SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../harness/board/pty-pair.js';
import { Agent } from '../harness/sim/agent.js';
import { MODEL_DEFAULTS, MODEL_NAMES } from '../harness/sim/model-options.js';
import { mib } from './proc.js';

const { values } = parseArgs({ options: { boards: { type: 'string', default: '1,8,32' } } });
const sizes = values.boards.split(',').map(Number);
const ptys: PtyPair[] = [];
const ports: SerialPort[] = [];
const agents: Agent[] = [];
const row = (k: number, cpu: NodeJS.CpuUsage) => {
  global.gc?.();
  return { k, rss: process.memoryUsage().rss, cpuMs: (cpu.user + cpu.system) / 1000 };
};
const rows = [row(0, process.cpuUsage())];
for (const k of sizes) {
  while (agents.length < k) {
    const i = agents.length;
    const model = MODEL_NAMES[i % MODEL_NAMES.length]!;
    const pty = await openPtyPair();
    const port = new SerialPort({ path: pty.device, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const agent = new Agent(
      {
        board: `many-${i}`,
        fw: `virtual-${model}`,
        model,
        options: { ...MODEL_DEFAULTS[model] },
        broker: { host: '127.0.0.1', port: 9 },
      },
      (text) => {
        port.write(text);
      },
    );
    port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (line: string) => agent.line(line));
    agent.boot();
    ptys.push(pty);
    ports.push(port);
    agents.push(agent);
  }
  await new Promise((r) => setTimeout(r, 500));
  rows.push(row(k, process.cpuUsage()));
}
const first = rows[1]!;
for (const r of rows.slice(1)) {
  const per = r.k > first.k ? (r.rss - first.rss) / (r.k - first.k) : Number.NaN;
  const cpuPer = r.k > first.k ? (r.cpuMs - first.cpuMs) / (r.k - first.k) : Number.NaN;
  console.log(
    `${String(r.k).padStart(3)} boards in one process: RSS ${mib(r.rss)} MiB, CPU ${r.cpuMs.toFixed(0)} ms` +
      (Number.isNaN(per)
        ? ' (the process and its modules)'
        : `; each further board ${mib(per)} MiB, ${cpuPer.toFixed(0)} ms CPU`),
  );
}
for (const a of agents) a.shutdown();
await Promise.all(ports.map((p) => new Promise<void>((r) => p.close(() => r()))));
await Promise.all(ptys.map((p) => p.close()));
