import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { MqttClient } from 'mqtt';
import type { BrokerControl } from '../../harness/broker/control.js';
import { EmbeddedBroker } from '../../harness/broker/embedded.js';
import { isDelivery, type PublishRecord } from '../../harness/broker/records.js';
import { applyFault, faultProblem, healAll, healFault } from '../../harness/faults/actions.js';
import type { BoardControl, FaultContext, FaultPhase } from '../../harness/faults/context.js';
import { runHook } from '../../harness/faults/hooks.js';
import { type FaultKindName, faultDefinition } from '../../harness/faults/registry.js';
import type { ProxyHandle } from '../../harness/network/toxiproxy.js';
import { startToxiproxyServer, type ToxiproxyService } from '../../harness/network/toxiproxy-server.js';
import type { WifiMethod } from '../../harness/spec/types.js';
import { board, connectError, endAll, eventOf, Recorder, rejection } from './toxiproxy-helpers.js';

/** A fault's parameters as the scenario loader makes them: from the YAML block, through `parse`. */
function params(kind: FaultKindName, raw: Record<string, unknown>): unknown {
  return faultDefinition(kind).parse(raw);
}

/** Publishes to its own topic and waits for the broker to send it back: one round trip through the proxy. */
async function roundTrip(client: MqttClient, topic: string): Promise<number> {
  const back = eventOf(client, 'message', 10_000);
  const start = performance.now();
  await client.publishAsync(topic, 'ping', { qos: 0 });
  await back;
  return performance.now() - start;
}

describe('faults made on a real toxiproxy-server and aedes', function () {
  this.timeout(30_000);
  let toxiproxy: ToxiproxyService;
  let broker: EmbeddedBroker;
  let rec: Recorder;
  let proxy: ProxyHandle;
  let url: string;
  let phases: FaultPhase[];
  let onPhase: (() => void) | undefined;
  let n = 0;
  const clients: MqttClient[] = [];

  /** Resolves once `count` recorded phases match. */
  function phasesSeen(match: (p: FaultPhase) => boolean, count: number, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fewer than ${count} phases within ${ms} ms`)), ms);
      onPhase = () => {
        if (phases.filter(match).length >= count) {
          clearTimeout(timer);
          onPhase = undefined;
          resolve();
        }
      };
      onPhase();
    });
  }

  function context(
    extra: { wifi?: WifiMethod; control?: BoardControl; clientId?: string; broker?: BrokerControl } = {},
  ): FaultContext {
    return {
      board: {
        id: proxy.name,
        wifi: extra.wifi ?? { kind: 'proxy' },
        clientId: extra.clientId,
        control: extra.control,
      },
      proxy,
      broker: extra.broker ?? broker,
      run: (command) => runHook(command, { timeoutMs: 5000 }),
      record: (phase) => {
        phases.push(phase);
        onPhase?.();
      },
      resetWaitMs: 5000,
    };
  }

  async function connectBoard(clientId: string, keepalive = 60): Promise<MqttClient> {
    const client = await board(url, { clientId, keepalive });
    clients.push(client);
    return client;
  }

  before(async () => {
    toxiproxy = await startToxiproxyServer();
    broker = await EmbeddedBroker.start();
    rec = new Recorder(broker);
  });

  after(async () => {
    rec?.stop();
    await endAll(clients);
    await broker?.close();
    await toxiproxy?.stop();
  });

  beforeEach(async () => {
    phases = [];
    n += 1;
    proxy = await toxiproxy.client.ensureProxy({
      name: `fault-board-${n}`,
      listen: { host: '127.0.0.1', port: 0 },
      upstream: broker.upstream,
    });
    url = `mqtt://127.0.0.1:${proxy.listen.port}`;
  });

  afterEach(async () => {
    await endAll(clients.splice(0));
    // Whatever a failed test left behind.
    await toxiproxy.client.reset();
  });

  it('broker-outage refuse: connections closed, new ones refused; heal lets boards in again', async () => {
    const client = await connectBoard('refuse-1');
    const closed = eventOf(client, 'close');
    const handle = await applyFault('broker-outage', params('broker-outage', { for: '5s' }), context());
    await closed;
    expect(await connectError(proxy.listen.port)).to.equal('ECONNREFUSED');
    await healFault(handle);
    const again = await connectBoard('refuse-2');
    expect(again.connected).to.equal(true);
    expect(phases.map((p) => [p.fault, p.phase, p.down, p.effect])).to.deep.equal([
      ['broker-outage', 'start', true, 'down'],
      ['broker-outage', 'end', true, 'down'],
    ]);
    expect(handle.start).to.be.at.least(handle.requested);
    expect(handle.end).to.be.at.least(handle.start);
  });

  it('wifi-outage by proxy (blackhole): bytes stop both ways and healing closes the connection', async () => {
    const client = await connectBoard('blackhole-1');
    await client.subscribeAsync('hil/blackhole-1/cmd/#', { qos: 0 });
    await client.publishAsync('hil/blackhole-1/button', '{"id":"bh-before"}', { qos: 0 });
    await rec.next((r) => isDelivery(r) && r.id === 'bh-before', 'the message before the outage');

    const handle = await applyFault('wifi-outage', params('wifi-outage', { for: '20s' }), context());
    expect(handle.detail).to.include('timeout 0 ms, both directions');
    const received: string[] = [];
    client.on('message', (_t, payload) => received.push(payload.toString()));
    // Writes still succeed: the proxy takes the bytes and drops them.
    await client.publishAsync('hil/blackhole-1/button', '{"id":"bh-during"}', { qos: 0 });
    await broker.publish('hil/blackhole-1/cmd/command', '{"id":"bh-down"}', 0);
    expect(client.connected).to.equal(true);

    const closed = eventOf(client, 'close');
    await healFault(handle);
    await closed;
    expect(rec.records.some((r) => r.kind === 'publish' && r.id === 'bh-during')).to.equal(false);
    expect(received).to.deep.equal([]);
    expect(await proxy.toxicNames()).to.deep.equal([]);
  });

  it('latency: round trips grow by at least twice the set delay (both directions), and heal keeps the link', async () => {
    const client = await connectBoard('latency-1');
    await client.subscribeAsync('hil/latency-1/echo', { qos: 0 });
    const base = await roundTrip(client, 'hil/latency-1/echo');
    const handle = await applyFault('latency', params('latency', { for: '10s', ms: 200 }), context());
    const slow = await roundTrip(client, 'hil/latency-1/echo');
    expect(slow, `base ${base.toFixed(1)} ms`).to.be.at.least(2 * 200 - 5);
    await healFault(handle);
    expect(client.connected).to.equal(true);
    expect(await proxy.toxicNames()).to.deep.equal([]);
    expect(phases.map((p) => [p.down, p.effect])).to.deep.equal([
      [false, 'degraded'],
      [false, 'degraded'],
    ]);
  });

  it('half-open: the broker stops hearing the board while its writes succeed and it still hears the broker', async () => {
    const client = await connectBoard('half-1');
    await client.subscribeAsync('hil/half-1/cmd/#', { qos: 0 });
    const handle = await applyFault('half-open', params('half-open', { for: '10s' }), context());
    expect(handle.detail).to.include('upstream only');

    await client.publishAsync('hil/half-1/button', '{"id":"ho-1"}', { qos: 0 });
    const down = eventOf<[string, Buffer]>(client, 'message');
    await broker.publish('hil/half-1/cmd/command', '{"id":"ho-cmd"}', 0);
    const [, payload] = await down;
    expect(payload.toString()).to.equal('{"id":"ho-cmd"}');
    expect(client.connected).to.equal(true);

    const closed = eventOf(client, 'close');
    await healFault(handle);
    await closed;
    expect(rec.records.some((r) => r.kind === 'publish' && r.id === 'ho-1')).to.equal(false);
  });

  it('reset: the connection is reset on its next bytes, and heal removes the toxic once it fired', async () => {
    const client = await connectBoard('reset-1');
    const handle = await applyFault('reset', params('reset', {}), context({ clientId: 'reset-1' }));
    const closed = eventOf(client, 'close');
    client.publish('hil/reset-1/telemetry', '{"id":"rs-1"}', { qos: 0 });
    await closed;
    await healFault(handle);
    const end = phases.find((p) => p.phase === 'end');
    expect(end?.detail).to.match(/fired: the broker saw reset-1 go/);
    expect(await proxy.toxicNames()).to.deep.equal([]);
    expect((await connectBoard('reset-2')).connected).to.equal(true);
  });

  it('bandwidth: a 6 KB message at 2 KB/s takes more than 2 s', async () => {
    const client = await connectBoard('bw-1');
    const handle = await applyFault('bandwidth', params('bandwidth', { for: '30s', rate: 2 }), context());
    const start = performance.now();
    await client.publishAsync('hil/bw-1/blob', JSON.stringify({ id: 'bw-blob', pad: 'x'.repeat(6000) }), {
      qos: 1,
    });
    const got = await rec.next<PublishRecord>((r) => isDelivery(r) && r.id === 'bw-blob', 'the blob', 15_000);
    expect(got.t - start).to.be.at.least(2000);
    await healFault(handle);
  });

  it('slicer: a message arrives whole, in slices with delays between them', async () => {
    const client = await connectBoard('slice-1');
    const handle = await applyFault(
      'slicer',
      params('slicer', { for: '30s', 'average-size': 64, 'size-variation': 8, delay: '5ms' }),
      context(),
    );
    const body = JSON.stringify({ id: 'sl-blob', pad: 'y'.repeat(3000) });
    const start = performance.now();
    await client.publishAsync('hil/slice-1/blob', body, { qos: 1 });
    const got = await rec.next<PublishRecord>((r) => isDelivery(r) && r.id === 'sl-blob', 'the blob', 10_000);
    // At most 72 bytes a slice, 5 ms after each: 3 KB takes over 40 slices.
    expect(got.t - start).to.be.at.least(150);
    // The id was read by parsing the whole payload: it arrived whole.
    expect(got.payload.startsWith('{"id":"sl-blob"')).to.equal(true);
    await healFault(handle);
    expect(await proxy.toxicNames()).to.deep.equal([]);
  });

  it('flap: records each outage on a fixed schedule, then the proxy is clean', async () => {
    const handle = await applyFault(
      'flap',
      params('flap', { fault: 'wifi-outage', down: '300ms', up: '300ms', for: '1500ms' }),
      context(),
    );
    expect(handle.down).to.equal(false);
    // Three outages start at 0, 600 and 1200 ms; wait for the third to end.
    await phasesSeen((p) => p.fault === 'wifi-outage' && p.phase === 'end', 3);
    await healFault(handle);
    const outages = phases.filter((p) => p.fault === 'wifi-outage');
    expect(outages.map((p) => [p.phase, p.down, p.effect])).to.deep.equal([
      ['start', true, 'down'],
      ['end', true, 'down'],
      ['start', true, 'down'],
      ['end', true, 'down'],
      ['start', true, 'down'],
      ['end', true, 'down'],
    ]);
    const starts = outages.filter((p) => p.phase === 'start').map((p) => p.t - handle.start);
    expect(starts[1]).to.be.at.least(600 - 50);
    expect(starts[2]).to.be.at.least(1200 - 50);
    expect(outages[0]?.detail).to.match(/^flap 1\/3: /);
    const envelope = phases.filter((p) => p.fault === 'flap');
    expect(envelope.map((p) => [p.phase, p.down, p.effect])).to.deep.equal([
      ['start', false, 'group'],
      ['end', false, 'group'],
    ]);
    expect(envelope[1]?.detail).to.include('3 outages');
    expect(await proxy.toxicNames()).to.deep.equal([]);
  });

  it('flap healed early ends the current outage and stops the schedule', async () => {
    const handle = await applyFault(
      'flap',
      params('flap', { fault: 'broker-outage', down: '10s', up: '1s', for: '60s' }),
      context(),
    );
    expect(await proxy.isEnabled()).to.equal(false);
    await healFault(handle);
    expect(await proxy.isEnabled()).to.equal(true);
    expect(phases.filter((p) => p.fault === 'broker-outage').map((p) => p.phase)).to.deep.equal([
      'start',
      'end',
    ]);
  });

  it('broker-outage stop goes through the broker, and heal brings it back', async () => {
    const handle = await applyFault(
      'broker-outage',
      params('broker-outage', { for: '5s', mode: 'stop' }),
      context(),
    );
    expect(broker.running).to.equal(false);
    await healFault(handle);
    expect(broker.running).to.equal(true);
    expect((await connectBoard('after-stop')).connected).to.equal(true);
  });

  it('healFault twice heals once; healAll heals the rest', async () => {
    const a = await applyFault('latency', params('latency', { for: '10s', ms: 5 }), context());
    const b = await applyFault('bandwidth', params('bandwidth', { for: '10s', rate: 100 }), context());
    await Promise.all([healFault(a), healFault(a)]);
    expect(phases.filter((p) => p.phase === 'end')).to.have.length(1);
    expect(await healAll([a, b])).to.deep.equal([]);
    expect(b.end).to.be.a('number');
    expect(await proxy.toxicNames()).to.deep.equal([]);
  });
});

describe('faults made by the agent, rack hooks and the board reset', function () {
  this.timeout(15_000);
  let dir: string;
  let phases: FaultPhase[];
  const calls: string[] = [];
  /** The write instants the fake agent's wifi ops report. */
  const written: number[] = [];
  const control: BoardControl = {
    wifi: async (up) => {
      calls.push(`wifi ${up}`);
      const t = performance.now();
      written.push(t);
      // The op's write settles later than it began (a port that takes its time).
      await new Promise((r) => setTimeout(r, 20));
      return t;
    },
    reset: async () => {
      calls.push('reset');
    },
  };
  // Neither proxy nor broker may be touched by these faults.
  const untouchable = new Proxy({} as ProxyHandle & BrokerControl, {
    get: (_t, key) => {
      if (key === 'then') return undefined;
      if (key === 'kind') return 'embedded';
      throw new Error(`touched ${String(key)}`);
    },
  });

  function context(wifi: WifiMethod, withControl: boolean, timeoutMs = 5000): FaultContext {
    return {
      board: { id: 'real-1', wifi, control: withControl ? control : undefined },
      proxy: untouchable,
      broker: untouchable,
      run: (command) => runHook(command, { timeoutMs, env: { HIL_BOARD: 'real-1' } }),
      record: (phase) => phases.push(phase),
    };
  }

  beforeEach(async () => {
    calls.length = 0;
    written.length = 0;
    phases = [];
    dir = await mkdtemp(join(tmpdir(), 'hil-hooks-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('wifi: agent asks the agent to take the interface down, and up on heal', async () => {
    const handle = await applyFault(
      'wifi-outage',
      params('wifi-outage', { for: '5s' }),
      context({ kind: 'agent' }, true),
    );
    const returned = performance.now();
    expect(calls).to.deep.equal(['wifi false']);
    // The start is when the op was written, not when its write settled.
    expect(handle.start).to.equal(written[0]);
    expect(phases[0]?.t).to.equal(written[0]);
    expect(returned - handle.start).to.be.at.least(19);
    await healFault(handle);
    expect(calls).to.deep.equal(['wifi false', 'wifi true']);
    expect(phases.map((p) => [p.phase, p.down])).to.deep.equal([
      ['start', true],
      ['end', true],
    ]);
  });

  it('wifi: agent without an agent fails with HIL_E_BOARD, never skipped', async () => {
    const ctx = context({ kind: 'agent' }, false);
    expect(faultProblem('wifi-outage', params('wifi-outage', { for: '5s' }), ctx)).to.include('wifi: agent');
    const err = await rejection(applyFault('wifi-outage', params('wifi-outage', { for: '5s' }), ctx));
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.include('wifi-outage on real-1');
    expect(phases).to.deep.equal([]);
  });

  it('wifi: command runs the down and up hooks with a shell', async () => {
    const file = join(dir, 'hooks.log');
    const wifi: WifiMethod = {
      kind: 'command',
      down: `echo "down $HIL_BOARD" >> ${file}`,
      up: `echo up >> ${file}`,
    };
    const handle = await applyFault(
      'wifi-outage',
      params('wifi-outage', { for: '5s' }),
      context(wifi, false),
    );
    expect(await readFile(file, 'utf8')).to.equal('down real-1\n');
    await healFault(handle);
    expect(await readFile(file, 'utf8')).to.equal('down real-1\nup\n');
  });

  it('a failing hook reports its stderr; a hanging one is killed at the timeout', async () => {
    const failing: WifiMethod = { kind: 'command', down: 'echo "AP not found" >&2; exit 3', up: 'true' };
    const err = await rejection(
      applyFault('wifi-outage', params('wifi-outage', { for: '5s' }), context(failing, false)),
    );
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.include('exit code 3').and.include('AP not found');

    const hanging: WifiMethod = { kind: 'command', down: 'sleep 20', up: 'true' };
    const slow = await rejection(
      applyFault('wifi-outage', params('wifi-outage', { for: '5s' }), context(hanging, false, 300)),
    );
    expect(slow.code).to.equal('HIL_E_TIMEOUT');
    expect(slow.message).to.include('within 300 ms');
  });

  it('reboot resets the board through its control, or fails when there is none', async () => {
    const handle = await applyFault('reboot', params('reboot', {}), context({ kind: 'agent' }, true));
    await healFault(handle);
    expect(calls).to.deep.equal(['reset']);
    expect(phases.map((p) => [p.down, p.effect])).to.deep.equal([
      [false, 'restart'],
      [false, 'restart'],
    ]);
    const err = await rejection(
      applyFault('reboot', params('reboot', {}), context({ kind: 'agent' }, false)),
    );
    expect(err.code).to.equal('HIL_E_BOARD');
  });

  it('broker-outage stop on an external broker fails before touching anything', async () => {
    const external = new Proxy({} as BrokerControl, {
      get: (_t, key) => (key === 'kind' ? 'external' : undefined),
    });
    const ctx: FaultContext = { ...context({ kind: 'agent' }, true), broker: external };
    const err = await rejection(
      applyFault('broker-outage', params('broker-outage', { for: '5s', mode: 'stop' }), ctx),
    );
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.include('mode: refuse');
  });
});
