import type { NoRouteReason, RouteState } from '../history/ops.js';
import type { MqttLogin } from '../spec/types.js';
import type { BrokerRecord } from './records.js';

/**
 * Whether a command published now would reach a client:
 * `online`: connected with a matching subscription; `offline`: not connected, but its
 * persistent session holds a matching subscription (QoS 1/2 are queued, QoS 0 dropped);
 * `none`: the broker would drop it for this client; `unknown`: an external broker does not tell.
 */
export type SubscriptionState = 'online' | 'offline' | 'none' | 'unknown';

/** What the broker did with one command for one client. */
export interface CommandRoute {
  /** When the broker took it: later than asked when it was held through a broker outage. */
  t: number;
  to: RouteState;
  why?: NoRouteReason;
  /** The broker was stopped when asked: published as soon as it was back. */
  held: boolean;
}

export type BrokerOutageMode = 'stop' | 'restart-clean';

/** The broker as the runner and the faults see it: embedded aedes or an external broker. */
export interface BrokerControl {
  readonly kind: 'embedded' | 'external';
  /** `host:port` the boards' proxies forward to. */
  readonly upstream: string;
  /** False while a broker-outage holds it stopped. */
  readonly running: boolean;
  /**
   * The login hil's own MQTT clients present to a broker that checks logins (the embedded one,
   * when boards.yml gives them); made per run. Absent: none needed.
   */
  readonly hilLogin?: MqttLogin;
  /** Calls `listener` with every record from now on; returns the unsubscribe function. */
  onRecord(listener: (record: BrokerRecord) => void): () => void;
  /** Publishes a down message; resolves when the broker took it (stored and routed, or acknowledged). */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 | 2): Promise<void>;
  /**
   * Publishes a command meant for `clientId` and says where the broker put it. While a
   * broker-outage holds the broker stopped, the command waits and goes out as soon as it is
   * back, before any board can reconnect (as a backend's client queues while offline).
   */
  sendCommand(clientId: string, topic: string, payload: string, qos: 0 | 1 | 2): Promise<CommandRoute>;
  subscriptionState(clientId: string, topic: string): Promise<SubscriptionState>;
  /**
   * Takes the broker down (`stop`: sessions kept; `restart-clean`: sessions and queued messages
   * lost when it comes back). Shared: the broker comes back when the last holder calls the
   * returned function. An external broker cannot do this and throws HIL_E_BROKER.
   */
  outage(mode: BrokerOutageMode): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
