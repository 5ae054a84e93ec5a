import { performance } from 'node:perf_hooks';
import { MqttClient } from 'mqtt';
import { ECONNABORTED, EHOSTUNREACH, type Link, OSError, PEER_CLOSED, type Radio } from '../radio.js';
import type { Target } from './model.js';

/** Why a connect attempt failed, in the terms a MicroPython library meets it. */
export type ConnectFailure =
  /** connect() or a read/write raised (interface down, refused, reset). */
  | { kind: 'oserror'; error: Error }
  /** TCP was up, then the peer closed before CONNACK: a read returned b''. */
  | { kind: 'eof' }
  /** No CONNACK within the library's socket timeout. */
  | { kind: 'timeout' }
  /** CONNACK with a refusal code. */
  | { kind: 'refused'; code: number };

export class ConnectError extends Error {
  constructor(readonly failure: ConnectFailure) {
    super(describe(failure));
    this.name = 'ConnectError';
  }
}

function describe(f: ConnectFailure): string {
  switch (f.kind) {
    case 'oserror':
      return `${f.error.name}: ${f.error.message}`;
    case 'eof':
      return 'connection closed before CONNACK';
    case 'timeout':
      return 'no CONNACK (timeout)';
    case 'refused':
      return `CONNACK refused (${f.code})`;
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

/**
 * Packet ids as umqtt counts them: one counter per client object, kept across reconnects
 * (umqtt.simple's `self.pid += 1`, simple2's `pid_gen`), so a republish gets a new id.
 */
export class PidCounter {
  #last = 0;
  allocate(): number {
    this.#last = this.#last < 65535 ? this.#last + 1 : 1;
    return this.#last;
  }
  getLastAllocated(): number | null {
    return this.#last === 0 ? null : this.#last;
  }
  register(): boolean {
    return true;
  }
  deallocate(): void {}
  clear(): void {}
}

export interface OpenOptions {
  clean: boolean;
  /** Sent in CONNECT; pinging is the model's business (0: none). */
  keepaliveMs: number;
  /** How long to wait for CONNACK; 0 waits forever (a blocking socket without timeout). */
  connackTimeoutMs: number;
  /** The client object's packet id counter; a fresh one per session if absent. */
  pids?: PidCounter;
}

/** mqtt.js's own keepalive timer never fires: each model pings (or not) like its library. */
const NO_TIMER = { set: () => 0, clear: () => {} } as never;
const FOREVER = 2 ** 31 - 1;

/**
 * One MQTT connection made by mqtt.js over the radio, with nothing of mqtt.js's own
 * policy: no reconnect, no offline queue, no resend; a new Session per connect, as
 * umqtt opens a new socket per connect.
 */
export class Session {
  alive = true;
  sessionPresent = false;
  /** Host ms of the last packet received (mqtt_as's last_rx). */
  lastRx = performance.now();
  /** Packets received so far, CONNACK included. */
  packets = 0;
  readonly #closeHandlers: Array<() => void> = [];
  readonly #packetWaiters = new Set<() => void>();
  readonly #acks = new Set<(err?: Error) => void>();
  /** Messages that came before the app's handler (right behind CONNACK, from a kept session). */
  readonly #early: Array<[string, Buffer]> = [];
  #onMessage: ((topic: string, payload: Buffer) => void) | undefined;

  private constructor(
    readonly client: MqttClient,
    readonly link: () => Link | undefined,
  ) {
    client.on('packetreceive', () => {
      this.lastRx = performance.now();
      this.packets += 1;
      for (const wake of [...this.#packetWaiters]) wake();
    });
    client.on('close', () => this.#closed());
    // Listening from the start: a socket keeps what arrives until the library reads it.
    client.on('message', (topic, payload) => {
      if (this.#onMessage) this.#onMessage(topic, payload);
      else this.#early.push([topic, payload]);
    });
  }

  static open(radio: Radio, target: Target, opts: OpenOptions): Promise<Session> {
    let link: Link | undefined;
    const client = new MqttClient(
      () => {
        link = radio.connect(target.host, target.port);
        return link;
      },
      {
        clientId: target.clientId,
        ...(target.username !== undefined && { username: target.username, password: target.password }),
        clean: opts.clean,
        keepalive: Math.ceil(opts.keepaliveMs / 1000),
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: FOREVER,
        queueQoSZero: false,
        resubscribe: false,
        manualConnect: true,
        timerVariant: NO_TIMER,
        messageIdProvider: opts.pids ?? new PidCounter(),
      },
    );
    let lastError: Error | undefined;
    client.on('error', (err) => {
      lastError = err;
    });
    const session = new Session(client, () => link);
    return new Promise<Session>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const fail = (failure: ConnectFailure) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.close(false);
        reject(new ConnectError(failure));
      };
      client.once('connect', (connack) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.sessionPresent = connack.sessionPresent;
        resolve(session);
      });
      session.onClose(() => {
        const code = (lastError as { code?: unknown } | undefined)?.code;
        if (typeof code === 'number' && code > 0) fail({ kind: 'refused', code });
        else if (link?.tcpConnected && link.peerClosed) fail({ kind: 'eof' });
        else fail({ kind: 'oserror', error: asOSError(lastError) });
      });
      if (opts.connackTimeoutMs > 0)
        timer = setTimeout(() => fail({ kind: 'timeout' }), opts.connackTimeoutMs);
      client.connect();
    });
  }

  /** What the library's next read or write raises once the connection is gone. */
  get closeReason(): OSError {
    return this.link()?.peerClosed ? PEER_CLOSED() : ECONNABORTED();
  }

  /** True while the connection is open for the library (a lost one included: see `lost`). */
  get usable(): boolean {
    const link = this.link();
    return this.alive && this.client.connected && link !== undefined && !link.destroyed;
  }

  /** The radio went down under it: writes raise EHOSTUNREACH, nothing arrives, never writable. */
  get lost(): boolean {
    return this.usable && this.link()?.lost === true;
  }

  /**
   * A blocking read for the next packet: resolves true once more than `after` packets have
   * arrived, false when the connection is gone first (the library's read raises).
   */
  nextPacket(after: number): Promise<boolean> {
    if (this.packets > after) return Promise.resolve(true);
    if (!this.alive) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const wake = () => {
        if (this.packets <= after && this.alive) return;
        this.#packetWaiters.delete(wake);
        resolve(this.packets > after);
      };
      this.#packetWaiters.add(wake);
    });
  }

  /** Resolves when the connection is gone, whoever closed it. */
  whenClosed(): Promise<void> {
    return new Promise<void>((resolve) => this.onClose(resolve));
  }

  /** Writes a PUBLISH. `written` settles when the bytes left for the socket, `acked` at PUBACK. */
  publish(
    topic: string,
    payload: string,
    qos: 0 | 1,
    dup = false,
  ): { written: Promise<void>; acked: Promise<void>; pid: number } {
    if (!this.usable) throw ECONNABORTED();
    // umqtt writes straight to the socket: on a lost connection sock.write raises.
    if (this.lost) throw EHOSTUNREACH();
    let ackDone: (err?: Error) => void = () => {};
    const acked = new Promise<void>((resolve, reject) => {
      ackDone = (err?: Error) => {
        this.#acks.delete(ackDone);
        if (err) reject(err);
        else resolve();
      };
    });
    acked.catch(() => {});
    if (qos === 1) this.#acks.add(ackDone);
    this.client.publish(topic, payload, { qos, dup }, (err) => ackDone(err ? asOSError(err) : undefined));
    const pid = qos === 1 ? (this.client.getLastMessageId() ?? 0) : 0;
    const written = this.#drained();
    // Callers await one of the two; the other must not become an unhandled rejection.
    written.catch(() => {});
    if (qos === 0) void written.then(() => ackDone(), ackDone);
    return { written, acked, pid };
  }

  /** Sends SUBSCRIBE; settles at SUBACK, rejects if the connection dies first. */
  subscribe(topic: string, qos: 0 | 1): Promise<void> {
    if (!this.usable) return Promise.reject(ECONNABORTED());
    if (this.lost) return Promise.reject(EHOSTUNREACH());
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        this.#acks.delete(done);
        if (err) reject(err);
        else resolve();
      };
      this.#acks.add(done);
      this.client.subscribe(topic, { qos }, (err) => done(err ? asOSError(err) : undefined));
    });
  }

  ping(): void {
    if (!this.usable) throw ECONNABORTED();
    if (this.lost) throw EHOSTUNREACH();
    this.client.sendPing();
  }

  onMessage(fn: (topic: string, payload: Buffer) => void): void {
    this.#onMessage = fn;
    for (const [topic, payload] of this.#early.splice(0)) fn(topic, payload);
  }

  /** Called once when the connection is gone, whoever closed it. */
  onClose(fn: () => void): void {
    if (!this.alive) queueMicrotask(fn);
    else this.#closeHandlers.push(fn);
  }

  /** Closes the socket: with DISCONNECT when `graceful`, else as `sock.close()`. */
  close(graceful: boolean): void {
    if (!this.alive) return;
    if (graceful && this.client.connected) this.client.end(false);
    else this.client.end(true);
  }

  /** Resolves once the socket has taken the bytes written so far. */
  #drained(): Promise<void> {
    const link = this.link();
    if (!link?.writableNeedDrain) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const off = () => {
        link.removeListener('drain', onDrain);
        link.removeListener('close', onClose);
      };
      const onDrain = () => {
        off();
        resolve();
      };
      const onClose = () => {
        off();
        reject(ECONNABORTED());
      };
      link.once('drain', onDrain);
      link.once('close', onClose);
    });
  }

  #closed(): void {
    if (!this.alive) return;
    this.alive = false;
    for (const done of [...this.#acks]) done(this.closeReason);
    for (const wake of [...this.#packetWaiters]) wake();
    // Release mqtt.js's state; the stream is already gone.
    if (!this.client.disconnecting) this.client.end(true);
    for (const fn of this.#closeHandlers.splice(0)) fn();
  }
}

function asOSError(err: Error | undefined): Error {
  if (err instanceof OSError) return err;
  if (!err) return PEER_CLOSED();
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED') return new OSError(111, 'ECONNREFUSED');
  if (code === 'ECONNRESET') return new OSError(104, 'ECONNRESET');
  if (code === 'ETIMEDOUT') return new OSError(110, 'ETIMEDOUT');
  return new OSError(-1, err.message);
}
