import type { Direction, NoRouteReason, Op, OpOf, RouteState } from '../history/ops.js';
import type { ClassFinding, CommandFate, Outcome } from './findings.js';

/** Everything the history says about one emitted id. Times in ms from t = 0. */
export interface Message {
  id: string;
  cls: string;
  direction: Direction;
  seq?: number;
  epoch?: number;
  emit: number;
  noticed?: number;
  accepted?: number;
  dropped?: { t: number; why: string };
  /** Down: where the broker put the command when it was published. */
  routed?: { t: number; to: RouteState; why?: NoRouteReason; held: boolean };
  /** Down: the broker lost it (its session or queue wiped by a restart-clean), not the board. */
  brokerForgot?: { t: number; why: string };
  /** Copies that count (at or before the end), sorted. Read only: shared (an outcome holds it too). */
  copies: number[];
  /** Copies after the end: shown, never counted. Read only. */
  afterEnd: number[];
  /**
   * Noticed, neither accepted nor dropped, and then the board hung (the watchdog's `hung` at
   * `t`, silent `since`): publish() never returned, which is not the library refusing it.
   */
  hung?: { t: number; since: number };
}

/** A delivered id that was never emitted: it fails its class under every policy. */
export interface UnknownCopy {
  id: string;
  copies: number[];
}

export interface ClassTraffic {
  cls: string;
  direction?: Direction;
  /** In emit order. */
  messages: Message[];
  unknown: UnknownCopy[];
  /** History oddities (an id emitted twice, a copy under another class). */
  notes: ClassFinding[];
  /** Stimuli hil could not send (the board's line was gone): never messages, never judged. */
  unsent: Array<{ id: string; t: number; why: string }>;
}

export type Fate = 'delivered' | 'lost' | 'blocked';

/** Blocked: the app never noticed it or the library never accepted it. Lost: accepted, never delivered. */
export function fateOf(m: Message): Fate {
  if (m.copies.length > 0) return 'delivered';
  if (m.direction === 'down' || m.accepted !== undefined) return 'lost';
  return 'blocked';
}

/** Down: what the broker did with a command (undefined for up traffic). */
export function commandFate(m: Message): CommandFate | undefined {
  if (m.direction !== 'down') return undefined;
  if (m.brokerForgot) return { at: 'broker', why: m.brokerForgot.why };
  switch (m.routed?.to) {
    case 'none':
      return { at: 'no-route', why: m.routed.why ?? 'not-subscribed' };
    case 'offline':
      return { at: 'session' };
    case 'online':
      return { at: 'connection' };
    default:
      return { at: 'unknown' };
  }
}

/**
 * What became of a message against its absolute deadline (emit + D), as the timeline colours
 * it. Late beats duplicate: a stale copy is the worse news.
 */
export function outcomeOf(m: Message, deadline: number | undefined): Outcome {
  if (m.copies.length === 0) {
    if (m.dropped) return 'dropped';
    if (m.brokerForgot || m.routed?.why === 'session-lost') return 'broker';
    return fateOf(m) === 'blocked' ? 'blocked' : 'lost';
  }
  if (deadline !== undefined && m.copies.some((t) => t > deadline)) return 'late';
  return m.copies.length > 1 ? 'duplicate' : 'ok';
}

/** What `copies` and `afterEnd` hold until a copy comes: one frozen array, not one per message. */
const NONE = Object.freeze([]) as unknown as number[];

/** The keys set after the emit, by code (1–5): `later` notes the order they came in. */
const LATER = [undefined, 'noticed', 'accepted', 'dropped', 'routed', 'brokerForgot'] as const;

/**
 * A message as `trafficByClass` records it: every key present from the start (undefined until
 * set), so the 10⁵–10⁶ messages of a soak share one hidden class and no property store grows
 * per message. One object literal, not a class: V8 allocates a literal whose objects keep
 * surviving straight into the old generation, instead of copying each through the young one.
 * `later`: the LATER codes in the order first set, base 8 (the first in the highest digit), and
 * `keys` a bit per code: what `asRecorded` needs to give a finding's message its old key order.
 */
interface Recorded extends Message {
  later: number;
  keys: number;
}

function recorded(op: OpOf<'emit'>): Recorded {
  return {
    id: op.id,
    cls: op.cls,
    direction: op.direction,
    seq: op.seq,
    epoch: op.epoch,
    emit: op.t,
    noticed: undefined,
    accepted: undefined,
    dropped: undefined,
    routed: undefined,
    brokerForgot: undefined,
    copies: NONE,
    afterEnd: NONE,
    hung: undefined,
    later: 0,
    keys: 0,
  };
}

/** Notes that LATER[code] now has a key, where growing an object literal would have added it. */
function addKey(m: Recorded, code: number): void {
  if (m.keys & (1 << code)) return;
  m.keys |= 1 << code;
  m.later = m.later * 8 + code;
}

/** One op naming message m, in time order: the first noticed, accepted ... wins; copies add up. */
function take(m: Recorded, op: Op, end: number): void {
  switch (op.kind) {
    case 'noticed':
      if (m.noticed == null) {
        m.noticed = op.t;
        addKey(m, 1);
      }
      break;
    case 'accepted':
      if (m.accepted == null) {
        m.accepted = op.t;
        addKey(m, 2);
      }
      break;
    case 'dropped':
      if (m.dropped == null) {
        m.dropped = { t: op.t, why: op.why };
        addKey(m, 3);
      }
      break;
    case 'routed':
      if (!m.routed) {
        const held = op.held === true;
        m.routed = op.why ? { t: op.t, to: op.to, why: op.why, held } : { t: op.t, to: op.to, held };
        addKey(m, 4);
      }
      break;
    case 'broker-forgot':
      if (m.brokerForgot == null) {
        m.brokerForgot = { t: op.t, why: op.why };
        addKey(m, 5);
      }
      break;
    case 'delivered':
      // Most messages get one copy: a one-element array, not an empty one grown by a push.
      if (op.t > end) {
        if (m.afterEnd === NONE) m.afterEnd = [op.t];
        else m.afterEnd.push(op.t);
      } else if (m.copies === NONE) m.copies = [op.t];
      else m.copies.push(op.t);
      break;
    default:
      break;
  }
}

/**
 * A message as a finding names it (and the verdict's JSON shows it): only the keys that are set,
 * in the order an object literal grown op by op had them. Findings are few; messages are many.
 */
export function asRecorded(m: Message): Message {
  const r = m as Partial<Recorded>;
  if (r.later === undefined) return m;
  const o: Message = {
    id: m.id,
    cls: m.cls,
    direction: m.direction,
    emit: m.emit,
    copies: m.copies,
    afterEnd: m.afterEnd,
  };
  if (m.seq !== undefined) o.seq = m.seq;
  if (m.epoch !== undefined) o.epoch = m.epoch;
  const codes: number[] = [];
  for (let x = r.later; x > 0; x = Math.floor(x / 8)) codes.unshift(x % 8);
  const later = o as unknown as Record<string, unknown>;
  for (const code of codes) {
    const key = LATER[code] as NonNullable<(typeof LATER)[number]>;
    later[key] = m[key];
  }
  if (m.hung !== undefined) o.hung = m.hung;
  return o;
}

/**
 * Groups one board's ops (sorted by time) into messages by id, per class. Each message has every
 * key of `Message` (undefined when not set) and two of its own; findings show it as `asRecorded`.
 */
export function trafficByClass(ops: readonly Op[], end: number): Map<string, ClassTraffic> {
  const classes = new Map<string, ClassTraffic>();
  const { byId, emitted } = emits(ops, classes);
  const unknown = new Map<string, UnknownCopy>();
  const hungs: Array<{ t: number; since: number }> = [];
  // Most ops come right after their emit (noticed, accepted, an online copy): the last four
  // messages emitted are asked before the id map, whose lookups miss the cache at 10⁶ ops.
  let r0: Recorded | undefined;
  let r1: Recorded | undefined;
  let r2: Recorded | undefined;
  let r3: Recorded | undefined;
  let next = 0;
  for (const op of ops) {
    switch (op.kind) {
      case 'emit': {
        const m = emitted[next++];
        if (m !== undefined) {
          r3 = r2;
          r2 = r1;
          r1 = r0;
          r0 = m;
        }
        break;
      }
      case 'hung':
        hungs.push({ t: op.t, since: op.t - op.silentMs });
        break;
      case 'noticed':
      case 'accepted':
      case 'dropped':
      case 'routed':
      case 'broker-forgot':
      case 'delivered': {
        const id = op.id;
        const m =
          r0?.id === id ? r0 : r1?.id === id ? r1 : r2?.id === id ? r2 : r3?.id === id ? r3 : byId.get(id);
        if (m) {
          if (op.kind === 'delivered' && op.cls !== m.cls) {
            classOf(classes, m.cls).notes.push({
              kind: 'other-class',
              level: 'info',
              cls: m.cls,
              id: m.id,
              t: op.t,
              as: op.cls,
            });
          }
          take(m, op, end);
        } else if (op.kind === 'delivered' && !(op.t > end)) {
          const c = classOf(classes, op.cls);
          c.direction ??= op.direction;
          let u = unknown.get(id);
          if (!u) {
            u = { id, copies: [] };
            unknown.set(id, u);
            c.unknown.push(u);
          }
          u.copies.push(op.t);
        }
        break;
      }
      default:
        break;
    }
  }
  if (hungs.length) {
    for (const m of byId.values()) {
      if (m.noticed === undefined || m.accepted !== undefined || m.dropped) continue;
      const noticed = m.noticed;
      const h = hungs.find((x) => x.t >= noticed);
      if (h) m.hung = h;
    }
  }
  return classes;
}

function classOf(classes: Map<string, ClassTraffic>, cls: string): ClassTraffic {
  let c = classes.get(cls);
  if (!c) {
    c = { cls, messages: [], unknown: [], notes: [], unsent: [] };
    classes.set(cls, c);
  }
  return c;
}

/**
 * The emits: one message per id at its first emit, in emit order per class; `emitted[k]` is the
 * message of the k-th emit op (undefined when unsent). Ids are almost always unique, so each is
 * only put in the map (one lookup, not two); a map smaller than the messages made means an id
 * came twice and was overwritten, and the pass is done again asking the map first.
 */
function emits(
  ops: readonly Op[],
  classes: Map<string, ClassTraffic>,
): { byId: Map<string, Recorded>; emitted: Array<Recorded | undefined> } {
  let byId = new Map<string, Recorded>();
  let emitted: Array<Recorded | undefined> = [];
  for (const unique of [true, false]) {
    classes.clear();
    byId = new Map();
    emitted = [];
    let made = 0;
    let c: ClassTraffic | undefined;
    for (const op of ops) {
      if (op.kind !== 'emit') continue;
      if (c === undefined || c.cls !== op.cls) c = classOf(classes, op.cls);
      c.direction ??= op.direction;
      if (op.unsent !== undefined) {
        c.unsent.push({ id: op.id, t: op.t, why: op.unsent });
        emitted.push(undefined);
        continue;
      }
      const first = unique ? undefined : byId.get(op.id);
      if (first) {
        c.notes.push({ kind: 'emitted-again', level: 'info', cls: op.cls, id: op.id, t: op.t });
        emitted.push(first);
        continue;
      }
      const m = recorded(op);
      if (!unique) byId.set(op.id, m);
      c.messages.push(m);
      emitted.push(m);
      made++;
    }
    if (!unique) break;
    // Filled apart from the walk over the ops: at 10⁶ ops the two evict each other's cache lines.
    for (const m of emitted) if (m !== undefined) byId.set(m.id, m);
    if (byId.size === made) break;
  }
  return { byId, emitted };
}
