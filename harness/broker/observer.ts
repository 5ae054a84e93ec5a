/**
 * One aedes broker that records what it sees. It takes streams (`handle`), never opens a
 * socket: the embedded broker feeds it TCP connections, tests feed it in-memory pairs.
 */
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import { HilError } from '../spec/errors.js';
import type { HostPort } from '../spec/types.js';
import type { SubscriptionState } from './control.js';
import { type BrokerLogins, checkLogin } from './logins.js';
import {
  type BrokerRecord,
  type PublishOrigin,
  type PublishRecord,
  payloadId,
  payloadText,
  topicMatches,
} from './records.js';

/** The part of an aedes persistence we use; kept across a `stop` so sessions survive. */
export interface SessionStore {
  /** A client's kept subscriptions, QoS 0 ones included (topic lookups leave those out). */
  subscriptionsByClient(client: { id: string }): Promise<Array<{ topic: string; qos: number }>>;
  /** Messages queued (or in flight) for a client's kept session. */
  outgoingStream(client: { id: string }): AsyncIterable<{ payload?: Buffer | string }>;
  destroy(): Promise<void>;
}

/** A client's standing for a command topic: connected or not, and its best matching subscription. */
export interface ClientStanding {
  connected: boolean;
  /** Highest QoS among its subscriptions matching the topic (live or kept); absent: none. */
  qos?: 0 | 1 | 2;
}

/** The standing from a kept session alone (a stopped broker has no live clients). */
export async function storedStanding(
  store: SessionStore,
  clientId: string,
  topic: string,
): Promise<ClientStanding> {
  const qos = (await store.subscriptionsByClient({ id: clientId }))
    .filter((s) => topicMatches(s.topic, topic))
    .reduce<number | undefined>((best, s) => Math.max(best ?? 0, s.qos), undefined);
  return qos === undefined ? { connected: false } : { connected: false, qos: qos as 0 | 1 | 2 };
}

/** `online`/`offline`/`none` as a publish now would find it. */
export function stateOf(standing: ClientStanding): SubscriptionState {
  if (standing.qos === undefined) return 'none';
  return standing.connected ? 'online' : 'offline';
}

/** The ids of the commands queued for a client's kept session. */
export async function queuedIds(store: SessionStore, clientId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const packet of store.outgoingStream({ id: clientId })) {
    const id = packet.payload === undefined ? undefined : payloadId(packet.payload);
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

// aedes-persistence is CommonJS exporting a function; its typings describe an ES default export.
const memory = createRequire(import.meta.url)('aedes-persistence') as () => SessionStore;

/** A fresh in-memory store: no sessions, no queued messages. */
export function newSessionStore(): SessionStore {
  return memory();
}

export interface AedesObserverOptions {
  onRecord: (record: BrokerRecord) => void;
  /** Sessions and queued messages; a new in-memory store by default. */
  sessions?: SessionStore;
  /** The clock. Default `performance.now()`. */
  now?: () => number;
  /** Who may connect (aedes `authenticate`); absent: anyone. A refusal is recorded (`refused`). */
  logins?: BrokerLogins;
  /** Passed to aedes (heartbeat, connect timeout ...). */
  aedes?: Pick<
    AedesOptions,
    'heartbeatInterval' | 'connectTimeout' | 'keepaliveLimit' | 'drainTimeout' | 'id'
  >;
}

/** aedes internals we read: typed here once. */
interface ClientInternals {
  id: string;
  clean: boolean;
  connected: boolean;
  will?: unknown;
  subscriptions: Record<string, { qos: number }>;
}
interface AedesInternals {
  clients: Record<string, ClientInternals>;
}

/** The far end of a client's socket; undefined for a stream that is not one (an in-memory pair). */
function remoteOf(client: Client): HostPort | undefined {
  const conn = (client as unknown as { conn?: { remoteAddress?: unknown; remotePort?: unknown } }).conn;
  const host = conn?.remoteAddress;
  const port = conn?.remotePort;
  return typeof host === 'string' && typeof port === 'number' ? { host, port } : undefined;
}

interface Seen {
  t: number;
  origin: PublishOrigin;
}

export class AedesObserver {
  readonly sessions: SessionStore;
  private readonly aedes: Aedes;
  private readonly now: () => number;
  private readonly onRecord: (record: BrokerRecord) => void;
  /** Packets seen at authorizePublish, keyed by the packet object aedes hands on to `published`. */
  private readonly seen = new WeakMap<object, Seen>();
  private readonly own = new WeakSet<object>();
  private readonly dropReason = new WeakMap<object, string>();
  private closing = false;

  private constructor(options: AedesObserverOptions) {
    this.now = options.now ?? (() => performance.now());
    this.onRecord = options.onRecord;
    this.sessions = options.sessions ?? newSessionStore();
    const logins = options.logins;
    this.aedes = new Aedes({
      ...options.aedes,
      persistence: this.sessions,
      ...(logins && {
        authenticate: (client, username, password, done) => {
          const refusal = checkLogin(logins, client.id, username, password);
          if (!refusal) return done(null, true);
          const from = remoteOf(client);
          this.onRecord({
            t: this.now(),
            kind: 'refused',
            clientId: client.id,
            ...(username !== undefined && { username }),
            returnCode: refusal.returnCode,
            reason: refusal.reason,
            ...(from && { from }),
          });
          done(Object.assign(new Error(refusal.reason), { returnCode: refusal.returnCode }), false);
        },
      }),
      authorizePublish: (client, packet, done) => {
        // The earliest moment a PUBLISH is seen whole; stamped here, recorded once aedes published it.
        const will = client === null || packet === (client as unknown as ClientInternals).will;
        this.seen.set(packet, { t: this.now(), origin: will ? 'will' : 'client' });
        // aedes's default: clients may not publish to $SYS.
        if (packet.topic.startsWith('$SYS/')) return done(new Error('$SYS/ topic is reserved'));
        done(null);
      },
      published: (packet, client, done) => {
        this.recordPublish(packet, client);
        done(null);
      },
    });
    this.aedes.on('client', (client) => {
      const from = remoteOf(client);
      this.onRecord({
        t: this.now(),
        kind: 'connect',
        clientId: client.id,
        clean: client.clean,
        ...(from && { from }),
      });
    });
    this.aedes.on('clientDisconnect', (client) => {
      const reason = this.closing ? 'broker stopped' : this.dropReason.get(client);
      this.onRecord({
        t: this.now(),
        kind: 'disconnect',
        clientId: client.id,
        ...(reason ? { reason } : {}),
      });
    });
    this.aedes.on('keepaliveTimeout', (client) => this.dropReason.set(client, 'keepalive timeout'));
    this.aedes.on('clientError', (client, err) => {
      if (!this.dropReason.has(client)) this.dropReason.set(client, err.message);
    });
    // aedes emits 'error' on persistence failures; unhandled it would end the process.
    (this.aedes as unknown as NodeJS.EventEmitter).on('error', () => {});
  }

  /** A new broker on `options.sessions` (or a fresh store), ready to handle connections. */
  static async create(options: AedesObserverOptions): Promise<AedesObserver> {
    const observer = new AedesObserver(options);
    await observer.aedes.listen();
    return observer;
  }

  /** Serves one client connection (a socket, or either end of an in-memory pair). */
  handle(stream: Duplex): void {
    this.aedes.handle(stream);
  }

  /** Publishes on the broker's behalf; resolves once stored (QoS 1/2 queued for offline sessions) and routed. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2): Promise<void> {
    if (this.closing) {
      return Promise.reject(new HilError('HIL_E_BROKER', `the broker is stopped: cannot publish ${topic}`));
    }
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos,
      retain: false,
      dup: false,
    };
    this.own.add(packet);
    return new Promise((resolve, reject) => {
      this.aedes.publish(packet, (err) =>
        err
          ? reject(new HilError('HIL_E_BROKER', `publish ${topic}: ${err.message}`, { cause: err }))
          : resolve(),
      );
    });
  }

  async subscriptionState(clientId: string, topic: string): Promise<SubscriptionState> {
    return stateOf(await this.standing(clientId, topic));
  }

  /** Live subscriptions of a connected client, else what its kept session holds. */
  async standing(clientId: string, topic: string): Promise<ClientStanding> {
    const client = this.internals().clients[clientId];
    const stored = await storedStanding(this.sessions, clientId, topic);
    if (!client?.connected) return stored;
    const live = Object.entries(client.subscriptions)
      .filter(([filter]) => topicMatches(filter, topic))
      .reduce<number | undefined>((best, [, sub]) => Math.max(best ?? 0, sub.qos), undefined);
    const qos = live ?? stored.qos;
    return qos === undefined ? { connected: true } : { connected: true, qos: qos as 0 | 1 | 2 };
  }

  connectedClientIds(): string[] {
    return Object.keys(this.internals().clients);
  }

  /** Closes every client connection (wills are published) and the broker; the session store is left as is. */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => this.aedes.close(() => resolve()));
  }

  private recordPublish(packet: AedesPublishPacket, client: Client | null): void {
    const seen = this.seen.get(packet);
    let origin: PublishOrigin;
    if (this.own.has(packet)) origin = 'observer';
    else if (seen) origin = seen.origin;
    else if (packet.topic.startsWith('$SYS/')) origin = 'sys';
    else origin = client ? 'client' : 'will';
    const record: PublishRecord = {
      t: seen?.t ?? this.now(),
      kind: 'publish',
      origin,
      via: 'broker',
      ...(client && origin !== 'observer' ? { clientId: client.id } : {}),
      topic: packet.topic,
      qos: packet.qos,
      dup: packet.dup ?? false,
      retain: packet.retain ?? false,
      payload: payloadText(packet.payload),
    };
    const id = payloadId(packet.payload);
    if (id !== undefined) record.id = id;
    this.onRecord(record);
  }

  private internals(): AedesInternals {
    return this.aedes as unknown as AedesInternals;
  }
}
