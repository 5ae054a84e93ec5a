/** Test fixtures for the virtual rack: a real aedes broker, real PTYs, boards as processes. */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import { ReadlineParser } from 'serialport';
import { type BoardEvent, decodeLine, encodeOp, type HostOp } from '../../harness/board/protocol.js';
import type { BoardConsole } from '../../harness/board/transport.js';
import type { ModelName, ModelOptionValue } from '../../harness/sim/model-options.js';
import type { BoardSpec } from '../../harness/spec/types.js';
import { openBoard } from '../../harness/transports/open.js';
import { testBoard } from '../fixtures/board/test-board.js';

/** Resolves when `check()` returns a value, re-checking on every `change` of `emitter`. */
export function until<T>(
  emitter: EventEmitter,
  check: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const now = check();
  if (now !== undefined) return Promise.resolve(now);
  return new Promise<T>((resolve, reject) => {
    const onChange = () => {
      const v = check();
      if (v === undefined) return;
      clearTimeout(timer);
      emitter.off('change', onChange);
      resolve(v);
    };
    const timer = setTimeout(() => {
      emitter.off('change', onChange);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    emitter.on('change', onChange);
  });
}

/** Cleanups run in reverse order, each even if another fails. */
export class Cleanup {
  readonly #fns: Array<() => Promise<void> | void> = [];
  add(fn: () => Promise<void> | void): void {
    this.#fns.push(fn);
  }
  async run(): Promise<void> {
    for (const fn of this.#fns.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error('cleanup failed:', err);
      }
    }
  }
}

/** A fresh aedes before each test; it and everything else the test started are cleaned up after it. */
export function freshBrokerEachTest(cleanup: Cleanup, use: (broker: TestBroker) => void): void {
  beforeEach(async () => {
    const broker = await TestBroker.start();
    cleanup.add(() => broker.close());
    use(broker);
  });
  afterEach(() => cleanup.run());
}

export interface Seen {
  t: number;
  clientId: string;
  topic: string;
  id: string | undefined;
  messageId: number | undefined;
  qos: number;
}

export interface Conn {
  socket: net.Socket;
  clientId?: string;
  /** The board's side sent FIN. */
  ended: boolean;
  errored: boolean;
  closed: boolean;
}

/**
 * aedes on a free loopback port. `hold` can keep a PUBLISH from being processed (no PUBACK)
 * and optionally drop the connection, to play a broken link from the broker's side.
 */
export class TestBroker extends EventEmitter {
  readonly seen: Seen[] = [];
  readonly conns: Conn[] = [];
  hold: ((clientId: string, packet: PublishPacket) => 'pass' | 'kill') | undefined;

  private constructor(
    readonly aedes: Aedes,
    readonly server: net.Server,
    readonly port: number,
  ) {
    super();
  }

  static async start(): Promise<TestBroker> {
    const aedes = await Aedes.createBroker();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const broker = new TestBroker(aedes, server, (server.address() as net.AddressInfo).port);
    server.on('connection', (socket) => {
      const conn: Conn = { socket, ended: false, errored: false, closed: false };
      broker.conns.push(conn);
      socket.on('end', () => {
        conn.ended = true;
        broker.emit('change');
      });
      socket.on('error', () => {
        conn.errored = true;
      });
      socket.on('close', () => {
        conn.closed = true;
        broker.emit('change');
      });
      aedes.handle(socket);
    });
    aedes.on('client', (client: Client) => {
      const conn = broker.conns.find((c) => c.socket === (client.conn as unknown));
      if (conn) conn.clientId = client.id;
      broker.emit('change');
    });
    aedes.authorizePublish = (client, packet, callback) => {
      const verdict = client ? broker.hold?.(client.id, packet) : 'pass';
      if (client) {
        let id: string | undefined;
        try {
          id = (JSON.parse(packet.payload.toString()) as { id?: string }).id;
        } catch {
          id = undefined;
        }
        broker.seen.push({
          t: performance.now(),
          clientId: client.id,
          topic: packet.topic,
          id,
          messageId: packet.messageId,
          qos: packet.qos,
        });
        broker.emit('change');
      }
      if (verdict === 'kill' && client) {
        (client.conn as net.Socket).destroy();
        return;
      }
      callback(null);
    };
    return broker;
  }

  /** Copies of `id` that reached the broker. */
  copies(id: string): Seen[] {
    return this.seen.filter((s) => s.id === id);
  }

  waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return until(this, check, timeoutMs, what);
  }

  /** The runner's down traffic: a command through the broker. */
  command(topic: string, body: object, qos: 0 | 1): Promise<void> {
    const packet = {
      cmd: 'publish',
      topic,
      payload: Buffer.from(JSON.stringify(body)),
      qos,
      retain: false,
      dup: false,
    } as AedesPublishPacket;
    return new Promise<void>((resolve, reject) =>
      this.aedes.publish(packet, (err) => (err ? reject(err) : resolve())),
    );
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}

export interface Heard {
  t: number;
  ev: BoardEvent;
}

/** The host end of a board's serial line, as the harness holds it. */
export class BoardLine extends EventEmitter {
  readonly events: Heard[] = [];
  readonly console: Array<{ t: number; line: string }> = [];

  private constructor(
    readonly port: Duplex,
    private readonly closePort: () => Promise<void>,
  ) {
    super();
    port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (raw: string) => {
      const t = performance.now();
      const d = decodeLine(raw);
      if (d.type === 'event') this.events.push({ t, ev: d.event });
      else this.console.push({ t, line: d.line });
      this.emit('change');
    });
  }

  /** Opens the board's console, as the opener gave it. */
  static async open(board: BoardConsole): Promise<BoardLine> {
    const port = await board.open();
    return new BoardLine(port.stream, () => port.close());
  }

  /** Writes an op; returns the host time of the write (the runner's `emit` instant). */
  send(op: HostOp): number {
    this.port.write(encodeOp(op));
    return performance.now();
  }

  /** The first event at index ≥ `from` that matches. */
  waitFor(match: (ev: BoardEvent) => boolean, timeoutMs: number, what: string, from = 0): Promise<Heard> {
    return until(this, () => this.events.slice(from).find((h) => match(h.ev)), timeoutMs, what);
  }

  /** Index of the next event, to wait for events after now. */
  mark(): number {
    return this.events.length;
  }

  has(match: (ev: BoardEvent) => boolean, from = 0): boolean {
    return this.events.slice(from).some((h) => match(h.ev));
  }

  close(): Promise<void> {
    return this.closePort();
  }
}

export const is =
  <K extends BoardEvent['ev']>(ev: K, fields: Partial<Extract<BoardEvent, { ev: K }>> = {}) =>
  (e: BoardEvent): boolean =>
    e.ev === ev && Object.entries(fields).every(([k, v]) => (e as Record<string, unknown>)[k] === v);

/** A virtual board of `model`, as boards.yml would give it. */
export function boardSpec(
  id: string,
  model: ModelName,
  options: Record<string, ModelOptionValue> = {},
  firmware = `virtual-${model}`,
): BoardSpec {
  return {
    ...testBoard(id, { kind: 'virtual', model, options }),
    firmware,
    tags: ['virtual'],
    virtual: { model, options },
  };
}

export interface TestBoard {
  handle: BoardConsole;
  line: BoardLine;
  id: string;
}

/** A virtual board on `broker` (or `via` a proxy to it), its host end open, connected to MQTT; cleaned up by `cleanup`. */
export async function startBoard(
  cleanup: Cleanup,
  broker: TestBroker,
  id: string,
  model: ModelName,
  options: Record<string, ModelOptionValue> = {},
  via?: { host: string; port: number },
): Promise<TestBoard> {
  const logs: string[] = [];
  const handle = await openBoard(boardSpec(id, model), {
    broker: via ?? { host: '127.0.0.1', port: broker.port },
    modelOptions: options,
    log: (l) => logs.push(l),
  });
  cleanup.add(() => handle.stop());
  cleanup.add(() => {
    if (process.env.HIL_SIM_DEBUG) console.log(logs.join('\n'));
  });
  const line = await BoardLine.open(handle);
  cleanup.add(() => line.close());
  if (process.env.HIL_SIM_DEBUG)
    line.on('change', () => {
      const last = line.events.at(-1);
      if (last) console.log(`${id} ${Math.round(last.t)} ${JSON.stringify(last.ev)}`);
    });
  // The boot lines may predate our open: ask, then wait for the connection.
  line.send({ op: 'hello', run: 'test' });
  await line.waitFor(is('hello'), 10_000, `${id} hello`);
  await line.waitFor(is('mqtt', { state: 'connected' }), 10_000, `${id} mqtt connected`);
  await broker.waitFor(
    () => (broker.conns.some((c) => c.clientId === id && !c.closed) ? true : undefined),
    5_000,
    `${id} at the broker`,
  );
  return { handle, line, id };
}

/** Emits `cls`/`id` and returns the host time of the write. */
export function emit(board: TestBoard, cls: string, id: string): number {
  return board.line.send({ op: 'emit', cls, id });
}
