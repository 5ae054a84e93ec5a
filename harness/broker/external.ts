/**
 * External broker mode (`broker.url`): the observer is an MQTT subscriber of the boards'
 * topics. A subscriber does not learn who published, nor see connects and disconnects, so
 * its records say `via: 'subscription'` and carry no client id.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { withTimeout } from '../network/with-timeout.js';
import { HilError } from '../spec/errors.js';
import type { BrokerControl, CommandRoute, SubscriptionState } from './control.js';
import { type BrokerRecord, type PublishRecord, payloadId, payloadText } from './records.js';

export interface ExternalObserverOptions {
  /** The broker, e.g. `mqtt://broker.lab:1883`. */
  url: string;
  /** Topic filters to record; usually `boardTopics(ids)`. */
  topics: string[];
  /** The observer's own client id. Default `hil-observer-<random>`. */
  clientId?: string;
  /** The clock. Default `performance.now()`. */
  now?: () => number;
  /** Connect and subscribe timeout, ms. Default 10000. */
  timeoutMs?: number;
}

/** `hil/<board>/#` for each board: every topic of the default prefix. */
export function boardTopics(boardIds: readonly string[], prefix = 'hil'): string[] {
  return boardIds.map((id) => `${prefix}/${id}/#`);
}

export class ExternalObserver implements BrokerControl {
  readonly kind = 'external' as const;
  readonly upstream: string;
  private readonly listeners = new Set<(record: BrokerRecord) => void>();
  /** Our own publishes not yet echoed back, by topic and payload. */
  private readonly pendingOwn = new Map<string, number>();
  private readonly now: () => number;
  private closing = false;

  private constructor(
    private readonly client: MqttClient,
    private readonly options: ExternalObserverOptions,
  ) {
    this.upstream = upstreamOf(options.url);
    this.now = options.now ?? (() => performance.now());
  }

  static async connect(options: ExternalObserverOptions): Promise<ExternalObserver> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const client = mqtt.connect(options.url, {
      clientId: options.clientId ?? `hil-observer-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: timeoutMs,
    });
    const observer = new ExternalObserver(client, options);
    client.on('message', (topic, payload, packet) => observer.received(topic, payload, packet));
    client.on('offline', () => {
      if (!observer.closing)
        observer.emit({
          t: observer.now(),
          kind: 'broker',
          state: 'down',
          detail: 'observer lost the broker',
        });
    });
    const fail = (what: string, err?: unknown) =>
      new HilError(
        'HIL_E_BROKER',
        `external broker ${options.url}: ${what}${err instanceof Error ? `: ${err.message}` : ''}. ` +
          'Check broker.url in boards.yml and that the broker accepts anonymous clients from this host.',
        { cause: err },
      );
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          client.once('connect', () => resolve());
          client.once('error', reject);
        }),
        timeoutMs,
        () => fail(`no CONNACK within ${timeoutMs} ms`),
      );
      const granted = await withTimeout(client.subscribeAsync(options.topics, { qos: 2 }), timeoutMs, () =>
        fail(`no SUBACK within ${timeoutMs} ms`),
      );
      const refused = granted.filter((g) => g.qos === 128);
      if (refused.length) throw fail(`subscription refused for ${refused.map((g) => g.topic).join(', ')}`);
      client.on('connect', (connack) => {
        observer.emit({ t: observer.now(), kind: 'broker', state: 'up', detail: 'observer reconnected' });
        // A clean reconnect lost our subscriptions: take them again.
        if (!connack.sessionPresent) client.subscribe(options.topics, { qos: 2 });
      });
    } catch (err) {
      client.end(true);
      throw err instanceof HilError ? err : fail('cannot connect', err);
    }
    return observer;
  }

  get running(): boolean {
    return this.client.connected;
  }

  onRecord(listener: (record: BrokerRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2): Promise<void> {
    const key = ownKey(topic, payload);
    this.pendingOwn.set(key, (this.pendingOwn.get(key) ?? 0) + 1);
    try {
      await this.client.publishAsync(topic, payload, { qos });
    } catch (err) {
      throw new HilError(
        'HIL_E_BROKER',
        `publish ${topic} to ${this.options.url}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  async sendCommand(
    _clientId: string,
    topic: string,
    payload: string,
    qos: 0 | 1 | 2,
  ): Promise<CommandRoute> {
    const t = this.now();
    await this.publish(topic, payload, qos);
    // Another broker's sessions are not ours to see.
    return { t, to: 'unknown', held: false };
  }

  async subscriptionState(): Promise<SubscriptionState> {
    return 'unknown';
  }

  async outage(): Promise<() => Promise<void>> {
    throw new HilError(
      'HIL_E_BROKER',
      `broker-outage modes stop and restart-clean need the embedded broker; ${this.options.url} is not ours to stop. ` +
        'Use mode: refuse, or drop broker.url from boards.yml.',
    );
  }

  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => this.client.end(false, {}, () => resolve()));
  }

  private emit(record: BrokerRecord): void {
    for (const listener of this.listeners) listener(record);
  }

  private received(
    topic: string,
    payload: Buffer,
    packet: { qos: 0 | 1 | 2; dup?: boolean; retain?: boolean },
  ): void {
    const t = this.now();
    const key = ownKey(topic, payload);
    const own = this.pendingOwn.get(key);
    if (own) {
      if (own === 1) this.pendingOwn.delete(key);
      else this.pendingOwn.set(key, own - 1);
    }
    // A broker forwards live messages with retain 0; retain 1 is a stored message re-sent on subscribe.
    const retain = packet.retain ?? false;
    const record: PublishRecord = {
      t,
      kind: 'publish',
      origin: own ? 'observer' : retain ? 'retained' : 'client',
      via: 'subscription',
      topic,
      qos: packet.qos,
      dup: packet.dup ?? false,
      retain,
      payload: payloadText(payload),
    };
    const id = payloadId(payload);
    if (id !== undefined) record.id = id;
    this.emit(record);
  }
}

function ownKey(topic: string, payload: string | Buffer): string {
  return `${topic}\u0000${typeof payload === 'string' ? payload : payload.toString('utf8')}`;
}

/** `host:port` of an MQTT URL, for the proxies' upstream. */
function upstreamOf(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === 'mqtts:' || u.protocol === 'ssl:' ? '8883' : '1883');
  return `${u.hostname}:${port}`;
}
