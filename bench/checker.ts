// How long the checker takes to judge one board's history, and the heap it holds, at 10k, 100k
// and 1M ops. Histories are generated (seeded, so every run judges the same ops): telemetry up
// every 2 s, button presses, alarms, commands down with seq/epoch/routed, wifi and broker
// outages with the agent's mqtt events and the broker's client events, a few reboots, serial lines.
//   npx tsx bench/checker.ts [--sizes 10000,100000,1000000] [--runs 5] [--seed 17]
// Prints wall ms (median), process CPU ms (GC threads included: the wall time moves with a shared
// machine's load, CPU less) and heap. Figures only: nothing here asserts a timing.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type CheckerScenario, check } from '../harness/checker/check.js';
import type { History, Op } from '../harness/history/ops.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOARD = 'bench-1';

/** A down stretch: an outage (fault start/end) or a reboot, and when the agent is connected again. */
interface Down {
  kind: 'wifi-outage' | 'broker-outage' | 'reboot';
  start: number;
  end: number;
  back: number;
  /** A broker-outage that restarts clean: queued commands are lost at the broker. */
  clean: boolean;
}

/** A history of about `target` ops, in time order; times in ms with µs resolution. */
export function generate(target: number, seed: number): History {
  const r = rng(seed);
  const ops: Op[] = [];
  const us = (t: number) => Math.round(t * 1000) / 1000;
  const push = (op: Op) => ops.push({ ...op, t: us(op.t) });
  const jitter = (ms: number) => r() * ms;

  push({ t: -1500, kind: 'boot', board: BOARD, reason: 'hello', boot: 1 });
  push({ t: -900, kind: 'mqtt', board: BOARD, state: 'connecting' });
  push({ t: -800, kind: 'client', board: BOARD, event: 'connect', clientId: BOARD, clean: false });
  push({ t: -780, kind: 'mqtt', board: BOARD, state: 'connected' });

  let down: Down | undefined;
  let nextDownAt = 60_000 + jitter(240_000);
  let reboots = 0;
  let epoch = 1;
  let seq = 0;
  let n = 0;
  let t = 0;
  const ids = { telemetry: 0, button: 0, alarm: 0, command: 0 };
  const isDown = (x: number) => down !== undefined && x >= down.start && x < down.back;

  function startDown(at: number): void {
    const pick = r();
    const kind = reboots < 3 && pick < 0.04 ? 'reboot' : pick < 0.75 ? 'wifi-outage' : 'broker-outage';
    const length = kind === 'reboot' ? 500 : 5_000 + jitter(25_000);
    const end = at + length;
    const back = kind === 'reboot' ? at + 2_500 + jitter(1_500) : end + 300 + jitter(4_000);
    down = { kind, start: at, end, back, clean: kind === 'broker-outage' && r() < 0.2 };
    const lateMs = jitter(3);
    if (kind === 'reboot') {
      reboots++;
      epoch++;
      seq = 0;
      push({
        t: at,
        kind: 'fault',
        board: BOARD,
        fault: 'reboot',
        phase: 'start',
        down: false,
        effect: 'restart',
        lateMs,
      });
      push({
        t: end,
        kind: 'fault',
        board: BOARD,
        fault: 'reboot',
        phase: 'end',
        down: false,
        effect: 'restart',
      });
      push({ t: at + 20, kind: 'client', board: BOARD, event: 'disconnect', clientId: BOARD });
      push({
        t: at + 900,
        kind: 'serial',
        board: BOARD,
        line: 'MicroPython v1.24.0 on 2024-10-25; ESP32 module with ESP32',
      });
      push({ t: at + 1_200, kind: 'boot', board: BOARD, reason: 'hello', boot: reboots + 1 });
      push({ t: back - 300, kind: 'mqtt', board: BOARD, state: 'connecting' });
    } else {
      const detail = kind === 'broker-outage' && down.clean ? 'restart-clean' : undefined;
      push({
        t: at,
        kind: 'fault',
        board: BOARD,
        fault: kind,
        phase: 'start',
        down: true,
        effect: 'down',
        lateMs,
        ...(detail && { detail }),
      });
      push({
        t: end,
        kind: 'fault',
        board: BOARD,
        fault: kind,
        phase: 'end',
        down: true,
        effect: 'down',
        lateMs: jitter(3),
      });
      // The agent notices after its keepalive, then retries every 5 s until the link is back.
      const noticed = at + 800 + jitter(2_500);
      push({ t: noticed, kind: 'mqtt', board: BOARD, state: 'disconnected' });
      push({
        t: at + 1_000 + jitter(3_000),
        kind: 'client',
        board: BOARD,
        event: 'disconnect',
        clientId: BOARD,
      });
      push({ t: noticed + 50, kind: 'net', board: BOARD, state: 'down' });
      for (let a = noticed + 100; a < back - 200; a += 5_000)
        push({ t: a, kind: 'mqtt', board: BOARD, state: 'connecting' });
      push({ t: end + 100, kind: 'net', board: BOARD, state: 'up' });
      push({ t: back - 150, kind: 'mqtt', board: BOARD, state: 'connecting' });
    }
    push({ t: back - 20, kind: 'client', board: BOARD, event: 'connect', clientId: BOARD, clean: false });
    push({ t: back, kind: 'mqtt', board: BOARD, state: 'connected' });
  }

  /** When an up message emitted at `at` reaches the broker, or undefined when it is dropped. */
  const upCopy = (at: number, retryFor: number): number | undefined => {
    if (!isDown(at)) return at + 20 + jitter(60);
    const b = (down as Down).back;
    return b - at <= retryFor ? b + 50 + jitter(300) : undefined;
  };

  function up(cls: 'telemetry' | 'button' | 'alarm', at: number, retryFor: number): void {
    const id = `${cls[0]}-${++ids[cls]}`;
    push({ t: at, kind: 'emit', board: BOARD, cls, id, direction: 'up', lateMs: jitter(2) });
    const noticed = at + 1 + jitter(4);
    push({ t: noticed, kind: 'noticed', board: BOARD, cls, id });
    const copy = upCopy(at, retryFor);
    // Now and then a telemetry message is lost on a settled link: a failure to find.
    if (copy === undefined || (cls === 'telemetry' && r() < 0.0005)) {
      if (copy === undefined) push({ t: noticed + 2, kind: 'dropped', board: BOARD, id, why: 'offline' });
      else push({ t: noticed + 2, kind: 'accepted', board: BOARD, id });
      return;
    }
    push({ t: isDown(at) ? copy - 5 : noticed + 2, kind: 'accepted', board: BOARD, id });
    const delivered = {
      t: copy,
      kind: 'delivered',
      board: BOARD,
      cls,
      id,
      direction: 'up',
      topic: `hil/${BOARD}/${cls}`,
      qos: 1,
      clientId: BOARD,
    } as const;
    push(delivered);
    // Now and then a duplicate, as a QoS 1 resend after a lost PUBACK gives.
    if (r() < 0.003) push({ ...delivered, t: copy + 800, dup: true });
  }

  let queued = 0;
  function command(at: number): void {
    const id = `c-${++ids.command}`;
    const s = ++seq;
    push({ t: at, kind: 'emit', board: BOARD, cls: 'command', id, direction: 'down', seq: s, epoch });
    const d = down;
    const deliver = (when: number) =>
      push({
        t: when,
        kind: 'delivered',
        board: BOARD,
        cls: 'command',
        id,
        direction: 'down',
        seq: s,
        epoch,
      });
    if (!isDown(at) || !d) {
      push({ t: at + 1, kind: 'routed', board: BOARD, id, to: 'online' });
      const when = at + 15 + jitter(40);
      deliver(when);
      if (r() < 0.002) deliver(when + 1_000);
      return;
    }
    if (d.kind === 'broker-outage' && at < d.end) {
      // The broker is stopped: the runner holds the command until it is back; a clean restart
      // has wiped the board's session, so there is nowhere to put it.
      if (d.clean) {
        push({
          t: d.end + 200,
          kind: 'routed',
          board: BOARD,
          id,
          to: 'none',
          why: 'session-lost',
          held: true,
        });
        return;
      }
      push({ t: d.end + 200, kind: 'routed', board: BOARD, id, to: 'offline', held: true });
    } else if (d.kind === 'reboot') {
      push({ t: at + 1, kind: 'routed', board: BOARD, id, to: 'none', why: 'not-subscribed' });
      return;
    } else {
      push({ t: at + 1, kind: 'routed', board: BOARD, id, to: 'offline' });
      if (r() < 0.01) {
        push({ t: d.back + 10, kind: 'broker-forgot', board: BOARD, id, why: 'queue limit' });
        return;
      }
    }
    // Queued commands arrive after the reconnect, in order, except now and then two swap.
    const swap = r() < 0.05 ? -30 : 0;
    deliver(d.back + 40 + 10 * queued++ + swap);
  }

  for (; n < target || down !== undefined; t += 2_000, n = ops.length) {
    if (down && t >= down.back + 5_000) {
      down = undefined;
      queued = 0;
      nextDownAt = t + 120_000 + jitter(900_000);
    }
    if (!down && t >= nextDownAt && n < target) startDown(t + jitter(2_000));
    up('telemetry', t + jitter(5), 0);
    if (r() < 0.06) up('button', t + 300 + jitter(1_500), 15_000);
    if (r() < 0.007) up('alarm', t + 700 + jitter(1_000), Number.POSITIVE_INFINITY);
    if (t % 10_000 === 0) command(t + 500 + jitter(100));
    if (t % 10_000 === 4_000)
      push({ t: t + 900, kind: 'serial', board: BOARD, line: `tick ${t / 1000} heap 61280` });
    if (r() < 0.00005)
      push({
        t: t + 1_300,
        kind: 'delivered',
        board: BOARD,
        cls: 'telemetry',
        id: `x-${t}`,
        direction: 'up',
      });
    if (r() < 0.00002) {
      push({ t: t + 1_100, kind: 'traceback', board: BOARD, line: 'Traceback (most recent call last):' });
      push({ t: t + 1_100, kind: 'serial', board: BOARD, line: '  File "main.py", line 42, in loop' });
      push({ t: t + 1_100, kind: 'serial', board: BOARD, line: 'OSError: [Errno 113] EHOSTUNREACH' });
    }
  }
  const order = ops.map((op, i) => ({ op, i })).sort((a, b) => a.op.t - b.op.t || a.i - b.i);
  const sorted = order.map(({ op }) => op);
  const duration = Math.ceil(t / 1000) * 1000;
  return {
    scenario: 'soak',
    board: BOARD,
    firmware: 'virtual-robust',
    startedAt: '2026-01-01T00:00:00Z',
    duration,
    drain: 30_000,
    end: duration + 30_000,
    ops: sorted,
  };
}

export function benchScenario(h: History): CheckerScenario {
  return {
    policies: {
      telemetry: { policy: 'drop', settle: 5_000 } as CheckerScenario['policies'][string],
      button: {
        policy: 'retry-within',
        within: 15_000,
        duplicates: 'allowed',
      } as CheckerScenario['policies'][string],
      alarm: {
        policy: 'must-deliver',
        exactlyOnce: false,
        ordered: true,
      } as CheckerScenario['policies'][string],
      command: {
        policy: 'must-deliver',
        exactlyOnce: true,
        ordered: false,
      } as CheckerScenario['policies'][string],
    },
    checks: [
      { check: 'no-reboot' },
      { check: 'no-traceback' },
      { check: 'reconnects-within', within: 10_000 },
      { check: 'reconnect-budget', perMinute: 30 },
    ] as CheckerScenario['checks'],
    settle: 5_000,
    tolerance: 50,
    duration: h.duration,
    drain: h.drain,
  };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(0);
const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)] as number;
};

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '10000,100000,1000000' },
      runs: { type: 'string', default: '5' },
      seed: { type: 'string', default: '17' },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  const seed = Number(values.seed);
  console.log(`node ${process.version}, seed ${seed}`);
  console.log(
    'ops       | check ms (median) | CPU ms (median) | runs | heap MiB: history / after check | verdict',
  );
  for (const size of sizes) {
    const h = generate(size, seed);
    const sc = benchScenario(h);
    gc();
    const base = process.memoryUsage().heapUsed;
    const runs = size >= 1_000_000 ? Math.min(2, Number(values.runs)) : Number(values.runs);
    const times: number[] = [];
    const cpu: number[] = [];
    let peak = 0;
    let verdict = '';
    for (let i = 0; i < runs; i++) {
      gc();
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const v = check(h, sc);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
      const failing = [...v.classes, ...v.checks].filter((x) => x.verdict !== 'pass').length;
      verdict = `${v.verdict} (${failing} parts not passing)`;
    }
    const row = [
      String(h.ops.length).padEnd(9),
      median(times).toFixed(0).padStart(17),
      median(cpu).toFixed(0).padStart(15),
      String(runs).padStart(4),
      `${mib(base)} / ${mib(peak)}`.padStart(33),
      verdict,
    ];
    console.log(row.join(' | '));
  }
}
