/**
 * The embedded broker: an AedesObserver behind a TCP listener, which a broker-outage can
 * stop and start again, keeping its sessions (`stop`) or losing them (`restart-clean`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostPort } from '../config/types.js';
import { HilError } from '../errors.js';
import type { BrokerControl, BrokerOutageMode, SubscriptionState } from './control.js';
import { AedesObserver, type AedesObserverOptions, newSessionStore, type SessionStore } from './observer.js';
import type { BrokerRecord } from './records.js';

export interface EmbeddedBrokerOptions {
  /** Where aedes listens (boards.yml `broker.listen`). Default 127.0.0.1:0: a free port, read back into `address`. */
  listen?: HostPort;
  /** The clock. Default `performance.now()`. */
  now?: () => number;
  aedes?: AedesObserverOptions['aedes'];
}

export class EmbeddedBroker implements BrokerControl {
  readonly kind = 'embedded' as const;
  /** Where it really listens (the port is fixed at the first start and reused after an outage). */
  address: HostPort;
  private observer: AedesObserver | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private sessions: SessionStore = newSessionStore();
  private readonly listeners = new Set<(record: BrokerRecord) => void>();
  private readonly now: () => number;
  private holders = 0;
  private cleanWanted = false;
  /** Stops and starts run one after another. */
  private transition: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(private readonly options: EmbeddedBrokerOptions) {
    this.address = options.listen ?? { host: '127.0.0.1', port: 0 };
    this.now = options.now ?? (() => performance.now());
  }

  static async start(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const broker = new EmbeddedBroker(options);
    await broker.up();
    return broker;
  }

  get upstream(): string {
    const wild = this.address.host === '0.0.0.0' || this.address.host === '::' || this.address.host === '';
    const host = wild ? '127.0.0.1' : this.address.host;
    return host.includes(':') ? `[${host}]:${this.address.port}` : `${host}:${this.address.port}`;
  }

  get running(): boolean {
    return this.observer !== undefined;
  }

  onRecord(listener: (record: BrokerRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Serves a connection that did not come through the listener (an in-memory pair in tests). */
  handle(stream: Duplex): void {
    if (!this.observer) {
      stream.destroy();
      return;
    }
    this.observer.handle(stream);
  }

  publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2): Promise<void> {
    if (!this.observer) {
      return Promise.reject(
        new HilError('HIL_E_BROKER', `the broker is stopped (broker-outage): ${topic} was not published`),
      );
    }
    return this.observer.publish(topic, payload, qos);
  }

  async subscriptionState(clientId: string, topic: string): Promise<SubscriptionState> {
    if (this.observer) return this.observer.subscriptionState(clientId, topic);
    // Stopped: nobody is connected, but kept sessions still count.
    const stored = await this.sessions.subscriptionsByTopic(topic);
    return stored.some((s) => s.clientId === clientId) ? 'offline' : 'none';
  }

  async hasSubscription(clientId: string, topic: string): Promise<boolean> {
    const state = await this.subscriptionState(clientId, topic);
    return state === 'online' || state === 'offline';
  }

  connectedClientIds(): string[] {
    return this.observer?.connectedClientIds() ?? [];
  }

  async outage(mode: BrokerOutageMode): Promise<() => Promise<void>> {
    if (this.closed) throw new HilError('HIL_E_BROKER', 'the broker is closed');
    this.holders++;
    if (mode === 'restart-clean') this.cleanWanted = true;
    try {
      if (this.holders === 1) await this.serialize(() => this.down(mode));
      else await this.transition;
    } catch (err) {
      this.holders--;
      throw err;
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      this.holders--;
      if (this.holders > 0 || this.closed) return;
      const clean = this.cleanWanted;
      this.cleanWanted = false;
      await this.serialize(() => this.up(clean));
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.serialize(async () => {
      if (this.observer) await this.down('close');
      await this.sessions.destroy();
    });
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step);
    this.transition = next.catch(() => {});
    return next;
  }

  private emit(record: BrokerRecord): void {
    for (const listener of this.listeners) listener(record);
  }

  private async up(clean?: boolean): Promise<void> {
    if (clean) {
      await this.sessions.destroy();
      this.sessions = newSessionStore();
    }
    const observer = await AedesObserver.create({
      sessions: this.sessions,
      now: this.now,
      aedes: this.options.aedes,
      onRecord: (record) => this.emit(record),
    });
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      observer.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: this.address.host, port: this.address.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await observer.close();
      const where = `${this.address.host}:${this.address.port}`;
      throw new HilError(
        'HIL_E_BROKER',
        `the embedded broker cannot listen on ${where}: ${(err as Error).message}. ` +
          'Free that port or change broker.listen in boards.yml.',
        { cause: err },
      );
    }
    const bound = server.address();
    if (bound && typeof bound === 'object') this.address = { host: this.address.host, port: bound.port };
    this.server = server;
    this.observer = observer;
    if (clean !== undefined) {
      this.emit({
        t: this.now(),
        kind: 'broker',
        state: 'up',
        detail: clean ? 'restarted clean: sessions and queued messages lost' : 'restarted with its sessions',
      });
    }
  }

  /** Closes the listener and every client connection; the session store stays for the next start. */
  private async down(why: BrokerOutageMode | 'close'): Promise<void> {
    const { server, observer } = this;
    if (!server || !observer) return;
    this.server = undefined;
    this.observer = undefined;
    if (why !== 'close') {
      this.emit({
        t: this.now(),
        kind: 'broker',
        state: 'down',
        detail: why === 'stop' ? 'stopped (sessions kept)' : 'stopped (to restart clean)',
      });
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await observer.close();
    // Connections that never sent CONNECT are not aedes clients: end them here.
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
