import type { HostPort } from '../spec/types.js';

/**
 * What the observing broker saw, as plain data, stamped with the host's monotonic clock
 * (`performance.now()`, ms). The runner turns these into history ops.
 */

/**
 * Where a PUBLISH came from. Only `client` is a delivery: `sys` is the broker's own `$SYS`
 * traffic, `will` a last will published for a client that went away, `retained` a stored
 * message re-sent on subscribe (seen only through a subscription), `observer` our own publish.
 */
export type PublishOrigin = 'client' | 'sys' | 'will' | 'retained' | 'observer';

export interface PublishRecord {
  t: number;
  kind: 'publish';
  origin: PublishOrigin;
  /**
   * `broker`: seen inside the embedded broker, straight from the client's PUBLISH.
   * `subscription`: received as a subscriber of an external broker, which does not say who
   * published (no `clientId`) and sets `qos`, `dup` and `retain` for its own hop to us.
   */
  via: 'broker' | 'subscription';
  clientId?: string;
  topic: string;
  qos: 0 | 1 | 2;
  dup: boolean;
  retain: boolean;
  /** The `id` of the JSON payload, when it has a string one. */
  id?: string;
  /** The payload as text, cut at 1 KiB. */
  payload: string;
}

export interface ConnectRecord {
  t: number;
  kind: 'connect';
  clientId: string;
  clean: boolean;
  /** Where the client's TCP connection came from, as the broker sees it (absent: not a socket). */
  from?: HostPort;
}

export interface DisconnectRecord {
  t: number;
  kind: 'disconnect';
  clientId: string;
  /** Why the broker dropped it, when it knows: `keepalive timeout`, a client error, `broker stopped`. */
  reason?: string;
}

/** The broker itself went down or came back (broker-outage), or the observer lost its external broker. */
export interface BrokerStateRecord {
  t: number;
  kind: 'broker';
  state: 'up' | 'down';
  detail: string;
}

/** Commands queued for a client's kept session that a restart-clean wiped. */
export interface ForgotRecord {
  t: number;
  kind: 'forgot';
  clientId: string;
  ids: string[];
  detail: string;
}

/** A CONNECT the broker refused (boards.yml's logins): CONNACK 4 or 5, and why. */
export interface RefusedRecord {
  t: number;
  kind: 'refused';
  clientId: string;
  /** The username presented, if any (a password is never recorded). */
  username?: string;
  returnCode: 4 | 5;
  reason: string;
  from?: HostPort;
}

export type BrokerRecord =
  | PublishRecord
  | ConnectRecord
  | DisconnectRecord
  | BrokerStateRecord
  | ForgotRecord
  | RefusedRecord;

/** A PUBLISH that counts as a delivery: it came from a client. */
export function isDelivery(r: BrokerRecord): r is PublishRecord {
  return r.kind === 'publish' && r.origin === 'client';
}

const PAYLOAD_TEXT_MAX = 1024;

export function payloadText(payload: Buffer | Uint8Array | string): string {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  return text.length > PAYLOAD_TEXT_MAX ? `${text.slice(0, PAYLOAD_TEXT_MAX)}…` : text;
}

/** The string `id` of a JSON object payload, or undefined. */
export function payloadId(payload: Buffer | Uint8Array | string): string | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (!text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** MQTT topic filter matching (`+` one level, `#` the rest); `$` topics need an explicit first level. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * One line for broker.log; `t0` makes times relative to the scenario's t = 0. A `t0` of NaN
 * (no t = 0 yet: the boards are being brought up) marks the line `setup`, as serial.log does.
 */
export function formatRecord(r: BrokerRecord, t0 = 0): string {
  const t = Number.isNaN(t0) ? 'setup' : `${((r.t - t0) / 1000).toFixed(3)}s`;
  switch (r.kind) {
    case 'publish': {
      const flags = [`qos${r.qos}`, r.dup ? 'dup' : '', r.retain ? 'retain' : ''].filter(Boolean).join(',');
      const who = r.clientId ?? (r.via === 'subscription' ? '(client unknown: external broker)' : '-');
      return `${t} publish ${r.origin} ${who} ${r.topic} [${flags}]${r.id ? ` id=${r.id}` : ''} ${r.payload}`;
    }
    case 'connect':
      return `${t} connect ${r.clientId} clean=${r.clean}${r.from ? ` from ${hostPortText(r.from)}` : ''}`;
    case 'disconnect':
      return `${t} disconnect ${r.clientId}${r.reason ? ` (${r.reason})` : ''}`;
    case 'broker':
      return `${t} broker ${r.state}: ${r.detail}`;
    case 'forgot':
      return `${t} forgot ${r.clientId}: ${r.ids.join(', ')} (${r.detail})`;
    case 'refused':
      return `${t} refused ${r.clientId}${r.from ? ` from ${hostPortText(r.from)}` : ''}: CONNACK ${r.returnCode}, ${r.reason}`;
    default: {
      const never: never = r;
      return String(never);
    }
  }
}

function hostPortText(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
