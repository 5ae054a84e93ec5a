import { expect } from 'chai';
import type { ProxyHandle } from '../../harness/network/toxiproxy.js';
import { startToxiproxyServer, type ToxiproxyService } from '../../harness/network/toxiproxy-server.js';
import type { ModelName, ModelOptionValue } from '../../harness/sim/model-options.js';
import {
  Cleanup,
  emit,
  freshBrokerEachTest,
  is,
  startBoard,
  type TestBoard,
  type TestBroker,
} from './sim-support.js';

/** A silent link: Toxiproxy `timeout` 0 both ways (writes succeed, nothing arrives). */
const BLACKHOLE = ['upstream', 'downstream'] as const;

describe('sim models on a silent link (Toxiproxy blackhole)', function () {
  this.timeout(30_000);
  const cleanup = new Cleanup();
  let broker: TestBroker;
  let toxiproxy: ToxiproxyService;

  before(async () => {
    toxiproxy = await startToxiproxyServer();
  });
  after(async () => {
    await toxiproxy?.stop();
  });
  freshBrokerEachTest(cleanup, (b) => {
    broker = b;
  });

  async function boardBehindProxy(
    id: string,
    model: ModelName,
    options: Record<string, ModelOptionValue>,
  ): Promise<{ board: TestBoard; proxy: ProxyHandle }> {
    const proxy = await toxiproxy.client.ensureProxy({
      name: id,
      listen: { host: '127.0.0.1', port: 0 },
      upstream: `127.0.0.1:${broker.port}`,
    });
    cleanup.add(() => toxiproxy.client.removeProxy(id));
    const board = await startBoard(cleanup, broker, id, model, options, proxy.listen);
    return { board, proxy };
  }
  const blackhole = async (proxy: ProxyHandle) => {
    for (const stream of BLACKHOLE)
      await proxy.addToxic({ name: `bh-${stream}`, type: 'timeout', stream, attributes: { timeout: 0 } });
  };
  const heal = async (proxy: ProxyHandle) => {
    for (const stream of BLACKHOLE) await proxy.removeToxic(`bh-${stream}`);
  };

  it('resilient notices within keepalive; simple notices nothing and loses QoS 0 silently', async () => {
    const res = await boardBehindProxy('sim-silent-res', 'resilient', {
      keepalive: '1s',
      'socket-timeout': '1s',
      'reconnect-delay': '200ms',
    });
    const simple = await boardBehindProxy('sim-silent-simple', 'simple', {});
    const resFrom = res.board.line.mark();
    const simpleFrom = simple.board.line.mark();
    await Promise.all([blackhole(res.proxy), blackhole(simple.proxy)]);
    const holed = performance.now();
    const lost = await res.board.line.waitFor(
      is('mqtt', { state: 'disconnected' }),
      5000,
      'resilient notices',
      resFrom,
    );
    emit(simple.board, 'telemetry', 's-1');
    await simple.board.line.waitFor(is('published', { id: 's-1' }), 5000, 's-1 written', simpleFrom);
    // Its reconnect gets TCP but never a CONNACK.
    await res.board.line.waitFor(is('mqtt', { state: 'connecting' }), 5000, 'resilient retries', resFrom);
    expect(res.board.line.has(is('mqtt', { state: 'connected' }), resFrom)).to.equal(false);
    expect(
      simple.board.line.has(is('mqtt', { state: 'disconnected' }), simpleFrom),
      'simple noticed',
    ).to.equal(false);
    // keepalive 1 s: noticed after about a second of silence, not at once, not after minutes.
    expect(lost.t - holed).to.be.within(500, 4000);

    await Promise.all([heal(res.proxy), heal(simple.proxy)]);
    await res.board.line.waitFor(is('mqtt', { state: 'connected' }), 10_000, 'resilient back', resFrom);
    // The heal closes simple's connection: only now does it notice, and it stays down.
    await simple.board.line.waitFor(
      is('mqtt', { state: 'disconnected' }),
      5000,
      'simple notices the close',
      simpleFrom,
    );
    expect(broker.copies('s-1')).to.have.length(0);
  });

  it('robust reconnecting into a silent link blocks, then an IndexError escapes at the heal', async () => {
    const { board, proxy } = await boardBehindProxy('sim-silent-robust', 'robust', {
      'reconnect-delay': '200ms',
    });
    const from = board.line.mark();
    board.line.send({ op: 'wifi', up: false });
    await board.line.waitFor(is('net', { state: 'down' }), 5000, 'net down', from);
    await blackhole(proxy);
    board.line.send({ op: 'wifi', up: true });
    await board.line.waitFor(is('net', { state: 'up' }), 5000, 'net up', from);
    // The lost socket fails when the radio is back: robust notices in check_msg and reconnects.
    await board.line.waitFor(is('mqtt', { state: 'disconnected' }), 5000, 'robust notices', from);
    // One attempt gets TCP and waits for CONNACK with no timeout: no more attempts come.
    const attempt = await board.line.waitFor(is('mqtt', { state: 'connecting' }), 5000, 'attempt', from);
    emit(board, 'button', 'b-1');
    await new Promise((r) => setTimeout(r, 1500));
    const after = board.line.events.slice(board.line.events.indexOf(attempt) + 1);
    expect(after.map((h) => h.ev.ev)).to.not.include('mqtt');
    expect(board.line.has(is('emitted', { id: 'b-1' }), from), 'noticed while blocked').to.equal(false);

    const consoleFrom = board.line.console.length;
    await heal(proxy);
    await board.line.waitFor(is('mqtt', { state: 'connected' }), 10_000, 'robust back', from);
    const text = board.line.console.slice(consoleFrom).map((c) => c.line);
    expect(text).to.include('Traceback (most recent call last):');
    expect(text.some((l) => /^IndexError: /.test(l))).to.equal(true);
    expect(text.some((l) => l.includes('umqtt/simple.py", line 119, in connect'))).to.equal(true);
    // The stimulus queued behind the block is taken after it.
    await board.line.waitFor(is('published', { id: 'b-1' }), 5000, 'b-1 published', from);
  });
});
