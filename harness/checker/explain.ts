import type { NoRouteReason } from '../history/ops.js';
import { at, atBeside, elapsed, listOf } from './format.js';
import type { Message } from './messages.js';

/** `button b-1`, or `command c-7 (seq 7)` for down traffic. */
export function who(m: Message): string {
  return m.direction === 'down' && m.seq !== undefined
    ? `${m.cls} ${m.id} (seq ${m.seq})`
    : `${m.cls} ${m.id}`;
}

const emitted = (m: Message) => (m.direction === 'down' ? 'sent' : 'emitted');
const delivered = (m: Message) => (m.direction === 'down' ? 'received' : 'delivered');

/** The app noticed the stimulus later than ε after the emit: a blocked firmware shows here. */
function noticedLate(m: Message, eps: number): boolean {
  return m.noticed !== undefined && elapsed(m.emit, m.noticed) > eps;
}

/** `button b-1 emitted 10.02s, delivered 27.40s: 17.38s > 15s (stale)`. */
export function deliveredLine(m: Message, problems: readonly string[], eps: number): string {
  const noticed = noticedLate(m, eps) ? `, noticed ${at(m.noticed as number)}` : '';
  const copies = listOf(m.copies.map(at), 4);
  return `${who(m)} ${emitted(m)} ${at(m.emit)}${noticed}, ${delivered(m)} ${copies}: ${problems.join('; ')}`;
}

export interface LineContext {
  /** Right after the emit time, e.g. `on a settled link (up since 30.00s)`. */
  afterEmit?: string;
  /** After the fate, e.g. `the link was settled at 35.00s, within 15s`. */
  after?: string;
}

/** `alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it)`. */
export function undeliveredLine(m: Message, end: number, eps: number, ctx: LineContext = {}): string {
  const held = m.routed?.held ? ` (the broker was down: published at ${at(m.routed.t)})` : '';
  const head = `${who(m)} ${emitted(m)} ${at(m.emit)}${held}${ctx.afterEmit ? ` ${ctx.afterEmit}` : ''}`;
  const tail = [
    ctx.after,
    m.afterEnd.length > 0
      ? `a copy arrived at ${atBeside(m.afterEnd[0] as number, end)}, after the end at ${at(end)}`
      : '',
  ].filter(Boolean);
  return `${head}, ${fatePhrase(m, eps)}${tail.length ? `; ${tail.join('; ')}` : ''}`;
}

function fatePhrase(m: Message, eps: number): string {
  if (m.direction === 'down') return downFate(m);
  const dropped = m.dropped ? `dropped by the app at ${at(m.dropped.t)} (${m.dropped.why}), ` : '';
  if (m.noticed === undefined) return `${dropped}never noticed by the app (blocked)`;
  const noticed = `noticed ${at(m.noticed)}, `;
  if (m.accepted === undefined) {
    return m.dropped
      ? `${noticed}dropped by the app at ${at(m.dropped.t)} (${m.dropped.why}) (blocked)`
      : `${noticed}never accepted by the library (blocked)`;
  }
  const late = noticedLate(m, eps) ? noticed : '';
  return `${late}accepted ${at(m.accepted)}, ${dropped}never delivered (lost after the library accepted it)`;
}

/** Why the broker had nowhere to put a command: the board's doing, except a lost session. */
const NO_ROUTE: Record<NoRouteReason, string> = {
  'never-connected': 'the broker dropped it: the board had never connected',
  'clean-session':
    'the broker dropped it: the board was away and its session is clean, so nothing is kept for it',
  'not-subscribed':
    'the broker dropped it: the board had no subscription for it (not subscribed again after reconnecting)',
  'qos0-offline': 'the broker dropped it: the board was away and QoS 0 is not queued for an absent client',
  'session-lost': 'lost at broker (a restart-clean wiped the session the board had subscribed in)',
};

/** A command's fate, from what the broker did with it: who lost it is the point. */
function downFate(m: Message): string {
  if (m.brokerForgot) return `never received: lost at broker (${m.brokerForgot.why})`;
  switch (m.routed?.to) {
    case 'none':
      return `never received: ${NO_ROUTE[m.routed.why ?? 'not-subscribed']}`;
    case 'offline':
      return "never received: queued at the broker in the board's session, never collected";
    case 'online':
      return "never received by the board (lost; the broker sent it to the board's connection)";
    default:
      return 'never received by the board (lost)';
  }
}

/** `t-5, t-6 (blocked)`: ids of messages, for one summary line. */
export function idsOf(ms: readonly Message[]): string {
  return listOf(ms.map((m) => m.id));
}
