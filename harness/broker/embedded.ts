/**
 * The embedded broker: an AedesObserver behind a TCP listener, which a broker-outage can
 * stop and start again, keeping its sessions (`stop`) or losing them (`restart-clean`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { NoRouteReason } from '../history/ops.js';
import { describeHolders, portHolders } from '../network/holder.js';
import { HilError } from '../spec/errors.js';
import type { HostPort, MqttLogin } from '../spec/types.js';
import type { BrokerControl, BrokerOutageMode, CommandRoute, SubscriptionState } from './control.js';
import { type BrokerLogins, newHilLogin } from './logins.js';
import {
  AedesObserver,
  type AedesObserverOptions,
  type ClientStanding,
  newSessionStore,
  queuedIds,
  type SessionStore,
  stateOf,
  storedStanding,
} from './observer.js';
import type { BrokerRecord } from './records.js';

export interface EmbeddedBrokerOptions {
  /** Where aedes listens (boards.yml `broker.listen`). Default 127.0.0.1:0: a free port, read back into `address`. */
  listen?: HostPort;
  /** The clock. Default `performance.now()`. */
  now?: () => number;
  aedes?: AedesObserverOptions['aedes'];
  /**
   * Each board's client id → its login (boards.yml `mqtt`). Given and not empty: the broker
   * refuses every other login, and hil's own clients get one made for this run (`hilLogin`).
   * Absent or empty: anyone who reaches the port may connect.
   */
  logins?: ReadonlyMap<string, MqttLogin>;
}

interface HeldCommand {
  clientId: string;
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  resolve: (route: CommandRoute) => void;
  reject: (err: unknown) => void;
}

export class EmbeddedBroker implements BrokerControl {
  readonly kind = 'embedded' as const;
  /** Where it really listens (the port is fixed at the first start and reused after an outage). */
  address: HostPort;
  /** The login hil's own MQTT clients present, when the broker checks logins; made per run. */
  readonly hilLogin?: MqttLogin;
  private readonly logins?: BrokerLogins;
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
  /** Every client seen on this broker: its last CONNECT, and whether a restart-clean wiped its kept session since. */
  private readonly clients = new Map<string, { clean: boolean; sessionLost: boolean }>();
  /** Commands asked for while stopped, published at the next start. */
  private held: HeldCommand[] = [];

  private constructor(private readonly options: EmbeddedBrokerOptions) {
    this.address = options.listen ?? { host: '127.0.0.1', port: 0 };
    this.now = options.now ?? (() => performance.now());
    if (options.logins?.size) {
      this.hilLogin = newHilLogin();
      this.logins = { clients: options.logins, hil: this.hilLogin };
    }
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

  async sendCommand(clientId: string, topic: string, payload: string, qos: 0 | 1 | 2): Promise<CommandRoute> {
    if (this.closed) throw new HilError('HIL_E_BROKER', `the broker is closed: ${topic} was not published`);
    const observer = this.observer;
    if (!observer) {
      return new Promise((resolve, reject) =>
        this.held.push({ clientId, topic, payload, qos, resolve, reject }),
      );
    }
    return this.routeAndPublish(observer, { clientId, topic, payload, qos }, false);
  }

  async subscriptionState(clientId: string, topic: string): Promise<SubscriptionState> {
    return stateOf(await this.standing(clientId, topic));
  }

  /** Stopped, nobody is connected, but kept sessions still count. */
  private standing(clientId: string, topic: string, observer = this.observer): Promise<ClientStanding> {
    return observer ? observer.standing(clientId, topic) : storedStanding(this.sessions, clientId, topic);
  }

  /** Where the broker puts the command (looked up right before publishing), then publishes it. */
  private async routeAndPublish(
    observer: AedesObserver,
    cmd: Omit<HeldCommand, 'resolve' | 'reject'>,
    held: boolean,
  ): Promise<CommandRoute> {
    const standing = await this.standing(cmd.clientId, cmd.topic, observer);
    const t = this.now();
    await observer.publish(cmd.topic, cmd.payload, cmd.qos);
    const to = stateOf(standing);
    if (to === 'online') return { t, to, held };
    if (to === 'offline') {
      // QoS is the lower of the publish and the subscription; QoS 0 is never queued for an absent client.
      const queued = Math.min(cmd.qos, standing.qos ?? 0) > 0;
      return queued ? { t, to, held } : { t, to: 'none', why: 'qos0-offline', held };
    }
    return { t, to, why: this.noRouteReason(cmd.clientId, standing), held };
  }

  private noRouteReason(clientId: string, standing: ClientStanding): NoRouteReason {
    const client = this.clients.get(clientId);
    if (!client) return 'never-connected';
    if (client.sessionLost) return 'session-lost';
    if (standing.connected || !client.clean) return 'not-subscribed';
    return 'clean-session';
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
    for (const cmd of this.held.splice(0)) {
      cmd.reject(
        new HilError('HIL_E_BROKER', `the broker closed while stopped: ${cmd.topic} was not published`),
      );
    }
  }

  private serialize(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step);
    this.transition = next.catch(() => {});
    return next;
  }

  private emit(record: BrokerRecord): void {
    if (record.kind === 'connect')
      this.clients.set(record.clientId, { clean: record.clean, sessionLost: false });
    for (const listener of this.listeners) listener(record);
  }

  private async up(clean?: boolean): Promise<void> {
    if (clean) await this.forgetSessions();
    const observer = await AedesObserver.create({
      sessions: this.sessions,
      now: this.now,
      aedes: this.options.aedes,
      ...(this.logins && { logins: this.logins }),
      onRecord: (record) => this.emit(record),
    });
    // Before the listener opens: a held command never races a board's reconnect.
    for (const cmd of this.held.splice(0)) {
      await this.routeAndPublish(observer, cmd, true).then(cmd.resolve, cmd.reject);
    }
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
      const who =
        (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
          ? describeHolders(await portHolders(this.address.port))
          : undefined;
      throw new HilError(
        'HIL_E_BROKER',
        `the embedded broker cannot listen on ${where}: ${(err as Error).message}${who ? ` (held by ${who})` : ''}. ` +
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

  /** A restart-clean: every kept session and queued command is gone; what was queued is recorded by id. */
  private async forgetSessions(): Promise<void> {
    const t = this.now();
    for (const [clientId, client] of this.clients) {
      if (client.clean) continue;
      client.sessionLost = true;
      const ids = await queuedIds(this.sessions, clientId);
      if (ids.length > 0) {
        this.emit({
          t,
          kind: 'forgot',
          clientId,
          ids,
          detail: 'queued in its session when the broker restarted clean',
        });
      }
    }
    await this.sessions.destroy();
    this.sessions = newSessionStore();
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
