// How long a board's recovery takes, per method, through the run's own BoardDriver (the code
// `hil run` brings boards up, resets and checks them with), on loopback: the embedded broker
// and a managed toxiproxy-server on free ports, N rounds of each method, then a table of
// median / p90 / max. Prints figures; asserts nothing.
//   npx tsx bench/recovery.ts [--rounds 10] [--model resilient] [--ready 4s]
//                             [--only agent,command,power,gate,usb]
// Methods (each row of the table says from when to when it measures):
//   agent    a virtual board's agent `reset` (a scheduled reboot's first rung)
//   command  a reset command power-cycling a fake agent (its agent refuses `reset`, so the
//            reboot falls to boards.yml's `reset: { command }`; the command is /bin/kill -USR1)
//   power    a virtual board's power cycle (its console's restart(): the ladder's last rung)
//   gate     the health gate's whole recovery of a fake agent hung in the scenario before
//   usb      a scheduled reboot of a native-USB fake agent: its port goes away at the reset
//            (PTY closed, its by-id-style link removed) and is back 1.5 s later plus a new
//            agent's start; hil reopens it (test/fixtures/board/fake-board.ts startNativeUsbBoard)
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BoardConsole } from '../harness/board/transport.js';
import type { BrokerRecord } from '../harness/broker/records.js';
import type { BoardOp } from '../harness/faults/context.js';
import { BoardDriver } from '../harness/scenario/board-driver.js';
import { clientIdOf } from '../harness/scenario/broker-ops.js';
import { openRack } from '../harness/scenario/rack.js';
import { MODEL_DEFAULTS, MODEL_NAMES, type ModelName } from '../harness/sim/model-options.js';
import { parseDuration } from '../harness/spec/duration.js';
import type { BoardSpec } from '../harness/spec/types.js';
import { startFakeBoard, startNativeUsbBoard } from '../test/fixtures/board/fake-board.js';
import { stats } from './proc.js';
import { benchBoard, benchRack } from './rack.js';

const METHODS = ['agent', 'command', 'power', 'gate', 'usb'] as const;
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '10' },
    model: { type: 'string', default: 'resilient' },
    ready: { type: 'string', default: '4s' },
    only: { type: 'string', default: METHODS.join(',') },
  },
});
const ROUNDS = Number(values.rounds);
const model = values.model as ModelName;
if (!MODEL_NAMES.includes(model)) throw new Error(`--model: one of ${MODEL_NAMES.join(', ')}`);
const READY_MS = parseDuration(values.ready);
if (READY_MS === undefined) throw new Error('--ready: a duration, e.g. 4s');
const only = new Set(values.only.split(','));
/** Longest any one wait of the bench may take before the round is called failed, ms. */
const WAIT_MS = 30_000;
/** How long after its config the gate's fake agent hangs, ms (it must be connected first). */
const HANG_AFTER_MS = 1500;
/** How long the native-USB fake's port is gone at its reset before its new agent starts, ms. */
const USB_GONE_MS = 1500;
/** /bin/kill: a reset command as small as uhubctl, not a second Node start. */
const KILL = spawnSync('sh', ['-c', 'command -v kill'], { encoding: 'utf8' }).stdout.trim();

const virtualBoard = (id: string): BoardSpec => {
  const options = { ...MODEL_DEFAULTS[model] };
  return benchBoard(
    id,
    { kind: 'virtual', model, options },
    { firmware: `virtual-${model}`, virtual: { model, options }, readyMs: READY_MS },
  );
};
const fakeBoard = (id: string, path: string, pid: number): BoardSpec =>
  benchBoard(
    id,
    { kind: 'serial-path', path },
    {
      readyMs: READY_MS,
      reset: [
        {
          kind: 'command',
          command: `kill -USR1 ${pid}`,
          argv: [KILL || '/bin/kill', '-USR1', String(pid)],
          shell: false,
        },
      ],
    },
  );

const dir = await mkdtemp(join(tmpdir(), 'hil-bench-recovery-'));
const rack = await benchRack([virtualBoard('rv'), virtualBoard('rp')]);
const services = await openRack(rack);
let drivers = 0;
/** A driver as the runner makes one, for one board; `start()` is the runner's bring-up and health gate. */
async function driverFor(board: BoardSpec): Promise<BoardDriver> {
  const d = join(dir, `${board.id}-${++drivers}`);
  await mkdir(d, { recursive: true });
  return new BoardDriver({ plan: { board, deadlines: {} }, services, dir: d, runId: 'bench' });
}

/** What a board's driver and the broker record from now on, and waits on it (events, never sleeps). */
function watch(driver: BoardDriver) {
  const ops: BoardOp[] = [];
  const records: BrokerRecord[] = [];
  const wake = new Set<() => void>();
  const poke = () => {
    for (const w of [...wake]) w();
  };
  const offOps =
    driver.faultBoard().watch?.((op) => {
      ops.push(op);
      poke();
    }) ?? (() => {});
  const offBroker = services.broker.onRecord((r) => {
    records.push(r);
    poke();
  });
  /** The first of `list` from `from` on that `pick` accepts, waiting for it up to WAIT_MS. */
  const first = <E, T>(list: E[], pick: (e: E) => T | undefined, what: string, from: number) =>
    new Promise<T>((resolve, reject) => {
      let i = from;
      const look = () => {
        for (; i < list.length; i++) {
          const hit = pick(list[i] as E);
          if (hit !== undefined) {
            done();
            return resolve(hit);
          }
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${driver.id}: no ${what} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      const done = () => {
        clearTimeout(timer);
        wake.delete(look);
      };
      wake.add(look);
      look();
    });
  return {
    mark: () => ({ ops: ops.length, records: records.length }),
    op: <T>(pick: (op: BoardOp) => T | undefined, what: string, from = 0) => first(ops, pick, what, from),
    record: <T>(pick: (r: BrokerRecord) => T | undefined, what: string, from = 0) =>
      first(records, pick, what, from),
    stop: () => {
      offOps();
      offBroker();
    },
  };
}

/** The broker's CONNECT of the board's client as the run names it (`hil-<id>`): connected under the run's config. */
const connectOf = (id: string) => (r: BrokerRecord) =>
  r.kind === 'connect' && r.clientId === clientIdOf(id) ? r.t : undefined;
const disconnectOf = (id: string) => (r: BrokerRecord) =>
  r.kind === 'disconnect' && r.clientId === clientIdOf(id) ? r.t : undefined;
const resetOp = (why: 'reboot' | 'unhealthy', method?: RegExp) => (op: BoardOp) =>
  op.kind === 'board-reset' && op.why === why && (!method || method.test(op.method)) ? op : undefined;

/** Brings a board up as the runner does (bring-up, then t0), or throws why it could not. */
async function up(board: BoardSpec): Promise<BoardDriver> {
  const d = await (await driverFor(board)).start();
  if (d.notReady) throw new Error(`${board.id} not ready: ${d.notReady}`);
  d.setT0(performance.now());
  return d;
}

type Rows = Map<string, number[]>;
const rows: Rows = new Map();
const add = (label: string, ms: number) => rows.set(label, [...(rows.get(label) ?? []), ms]);
const failures: string[] = [];

/** The agent's reset of a virtual board, as a scheduled `reboot` makes it (its ladder's first rung). */
async function agentRounds(): Promise<void> {
  const d = await up(virtualBoard('rv'));
  const w = watch(d);
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const m = w.mark();
      const at = performance.now();
      await d.faultBoard().control?.reset();
      const op = await w.op(resetOp('reboot'), 'board-reset', m.ops);
      if (op.method !== 'agent' || op.outcome !== 'booted')
        throw new Error(`agent reset: ${op.method} ${op.outcome} ${op.detail ?? ''}`);
      add('agent: reset op → new boot seen', op.ms);
      add('agent: reset op → broker CONNECT', (await w.record(connectOf(d.id), 'CONNECT', m.records)) - at);
      // The driver says hello and gives config again after a boot: let that finish before the next.
      await d.session?.hello(WAIT_MS);
    }
  } finally {
    w.stop();
    d.recorder.close();
    await d.close();
  }
}

/** A reset command that power-cycles a fake agent whose own `reset` is refused (the ladder's second rung). */
async function commandRounds(): Promise<void> {
  const fake = await startFakeBoard({ board: 'rc', mqtt: 'config', refuse: ['reset'] });
  const d = await up(fakeBoard('rc', fake.path, fake.proc.pid as number));
  const w = watch(d);
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const m = w.mark();
      await d.faultBoard().control?.reset();
      const op = await w.op(resetOp('reboot', /^command/), 'board-reset by the command', m.ops);
      if (op.outcome !== 'booted') throw new Error(`command: ${op.outcome} ${op.detail ?? ''}`);
      const start = op.t - op.ms;
      add('command: command start → new boot seen', op.ms);
      const connected = await w.record(connectOf(d.id), 'CONNECT', m.records);
      add('command: command start → broker CONNECT', connected - start);
      await d.session?.hello(WAIT_MS);
    }
  } finally {
    w.stop();
    d.recorder.close();
    await d.close();
    await fake.stop();
  }
}

/** A virtual board's power cycle: the ladder's `power cycle` rung is its console's restart(). */
async function powerRounds(): Promise<void> {
  const d = await up(virtualBoard('rp'));
  // The driver's own console (private): the same restart() its ladder's last rung calls.
  const console = (d as unknown as { console?: BoardConsole }).console;
  if (!console?.restart) throw new Error('rp: no restart() on its console');
  const w = watch(d);
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const m = w.mark();
      const at = performance.now();
      await console.restart();
      add('power: restart() → it returned', performance.now() - at);
      const boot = await w.op((op) => (op.kind === 'boot' ? op.t : undefined), 'boot', m.ops);
      add('power: restart() → new boot seen', boot - at);
      add('power: restart() → broker CONNECT', (await w.record(connectOf(d.id), 'CONNECT', m.records)) - at);
      await d.session?.hello(WAIT_MS);
    }
  } finally {
    w.stop();
    d.recorder.close();
    await d.close();
  }
}

/**
 * A fake agent that hangs for good in one "scenario" (HANG_AFTER_MS after its config) and the
 * next scenario's health gate: hello unanswered for `ready`, the reset command, then hello,
 * config and MQTT connected again. A fresh fake per round (its hang is armed once).
 */
async function gateRounds(): Promise<void> {
  for (let i = 0; i < ROUNDS; i++) {
    const fake = await startFakeBoard({ board: 'rg', mqtt: 'config', hangAfterMs: HANG_AFTER_MS });
    try {
      const spec = fakeBoard('rg', fake.path, fake.proc.pid as number);
      const first = await driverFor(spec);
      const w1 = watch(first);
      await first.start();
      if (first.notReady) throw new Error(`rg not ready: ${first.notReady}`);
      // Hung: its MQTT connection dropped without a word (the broker sees it go). A disconnect
      // before this boot's CONNECT is the last round's board being stopped.
      const connected = await w1.record(connectOf('rg'), 'CONNECT');
      await w1.record(
        (r) => ((disconnectOf('rg')(r) ?? 0) > connected ? r.t : undefined),
        'disconnect of the hung board',
      );
      w1.stop();
      first.recorder.close();
      await first.close();
      const gate = await driverFor(spec);
      const w2 = watch(gate);
      const at = performance.now();
      await gate.start();
      const whole = performance.now() - at;
      w2.stop();
      const ops = gate.recorder.ops();
      gate.recorder.close();
      await gate.close();
      if (gate.notReady) throw new Error(`rg not recovered: ${gate.notReady}`);
      const resets = ops.filter((o) => o.kind === 'board-reset');
      const op = resets[0];
      if (resets.length !== 1 || op?.kind !== 'board-reset' || op.outcome !== 'booted')
        throw new Error(`rg: resets ${JSON.stringify(resets)}`);
      add('gate: reset command start → healthy (board-reset ms)', op.ms);
      add(`gate: health check start → healthy (incl. ${READY_MS} ms unanswered hello)`, whole);
    } finally {
      await fake.stop();
    }
  }
}

/**
 * A scheduled reboot of a native-USB board: the agent's reset takes its port away; hil waits for
 * it, reopens it, sees the new boot. A fresh fake per round (only its first boot resets so).
 */
async function usbRounds(): Promise<void> {
  for (let i = 0; i < ROUNDS; i++) {
    const usb = await startNativeUsbBoard({ board: 'ru', mqtt: 'config', dir, goneMs: USB_GONE_MS });
    let backAt = Number.NaN;
    const back = usb.back.then(() => {
      backAt = performance.now();
    });
    try {
      const d = await up(benchBoard('ru', { kind: 'serial-path', path: usb.path }, { readyMs: READY_MS }));
      const w = watch(d);
      try {
        const m = w.mark();
        const at = performance.now();
        await d.faultBoard().control?.reset();
        const away = await w.op((o) => (o.kind === 'port-away' ? o.t : undefined), 'port-away', m.ops);
        const reopened = await w.op((o) => (o.kind === 'port-back' ? o.t : undefined), 'port-back', m.ops);
        const op = await w.op(resetOp('reboot'), 'board-reset', m.ops);
        if (op.method !== 'agent' || op.outcome !== 'booted')
          throw new Error(`usb reset: ${op.method} ${op.outcome} ${op.detail ?? ''}`);
        const connected = await w.record(connectOf('ru'), 'CONNECT', m.records);
        await back;
        add('usb: reset op → port away', away - at);
        add(`usb: port away → device back (${USB_GONE_MS} ms + a new agent's start)`, backAt - away);
        add('usb: device back → reopened by hil (port-back)', reopened - backAt);
        add('usb: reset op → new boot seen (board-reset ms)', op.ms);
        add('usb: reset op → broker CONNECT', connected - at);
        await d.session?.hello(WAIT_MS);
      } finally {
        w.stop();
        d.recorder.close();
        await d.close();
      }
    } finally {
      await usb.stop();
    }
  }
}

const load0 = loadavg();
const t0 = performance.now();
try {
  const runs: Record<(typeof METHODS)[number], () => Promise<void>> = {
    agent: agentRounds,
    command: commandRounds,
    power: powerRounds,
    gate: gateRounds,
    usb: usbRounds,
  };
  for (const m of METHODS) {
    if (!only.has(m)) continue;
    try {
      await runs[m]();
    } catch (err) {
      failures.push(`${m}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
} finally {
  await services.close();
  await rm(dir, { recursive: true, force: true });
}
const load1 = loadavg();
const f = (ms: number) => ms.toFixed(0);
console.log(
  `recovery per method, ${ROUNDS} rounds each; model ${model}; ready ${READY_MS} ms; ${cpus().length} × ${cpus()[0]?.model ?? '?'}; Node ${process.version}`,
);
console.log(
  `load average (1/5/15 min) at start ${load0.map((l) => l.toFixed(2)).join(' ')}, at end ${load1.map((l) => l.toFixed(2)).join(' ')}; ${((performance.now() - t0) / 1000).toFixed(0)} s`,
);
console.log('\n| method: from → to | n | median ms | p90 ms | max ms |');
console.log('| --- | --- | --- | --- | --- |');
for (const [label, ms] of rows) {
  const s = stats(ms);
  console.log(`| ${label} | ${ms.length} | ${f(s.median)} | ${f(s.p90)} | ${f(s.max)} |`);
}
for (const x of failures) console.log(`FAILED ${x}`);
if (failures.length) process.exitCode = 1;
