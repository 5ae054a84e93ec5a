/**
 * The broker's own view of a board's MQTT client: when the embedded broker held a connection
 * from it (its `client` connect/disconnect ops). A board may believe it is connected, and its
 * library accept a publish, while the broker has long closed that connection (a restart, a
 * keepalive expiry whose news never reached the board); this tells such a loss apart.
 */
import type { Op } from '../history/ops.js';
import { elapsed } from './format.js';
import { firstAbove } from './search.js';

export interface BrokerPresence {
  /** Times of the board's client connects and disconnects, ascending. */
  times: readonly number[];
  /** Per entry of `times`: connected from then on (true) or gone (false). */
  connected: readonly boolean[];
}

/**
 * The board's client at the broker, from its ops in time order; undefined when the history has
 * no `client` op at all (an external broker: its connections are not ours to see).
 */
export function brokerPresenceOf(ops: readonly Op[]): BrokerPresence | undefined {
  const times: number[] = [];
  const connected: boolean[] = [];
  // Connections open per client id: a takeover (a new connection under the same id) may be
  // recorded as connect then disconnect of the old one, or the other way round.
  const open = new Map<string, number>();
  let total = 0;
  for (const op of ops) {
    if (op.kind !== 'client') continue;
    const before = open.get(op.clientId) ?? 0;
    const after = op.event === 'connect' ? before + 1 : Math.max(0, before - 1);
    open.set(op.clientId, after);
    total += after - before;
    times.push(op.t);
    connected.push(total > 0);
  }
  return times.length ? { times, connected } : undefined;
}

/**
 * Whether the broker had no connection from the board's client at `t` (ms) and for at least
 * `eps` ms before it: `{ since }`, the disconnect it had been gone since, or `{}` when the
 * client had not connected before `t` at all. Undefined when it was connected then, or within
 * `eps` of `t` (an agent's line reaches hil a little after the board's act), or unknown.
 */
export function goneFromBroker(
  p: BrokerPresence | undefined,
  t: number,
  eps: number,
): { since?: number } | undefined {
  if (!p) return undefined;
  // The last change at or before t: times ascend, so a binary search.
  const k = firstAbove(p.times, t) - 1;
  if (k < 0) return {};
  if (p.connected[k]) return undefined;
  // Gone since the change that closed its last connection (later closes of others changed nothing).
  let j = k;
  while (j > 0 && !p.connected[j - 1]) j--;
  const since = p.times[j] as number;
  return elapsed(since, t) >= eps ? { since } : undefined;
}
