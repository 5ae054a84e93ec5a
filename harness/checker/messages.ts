import type { Direction, NoRouteReason, Op, RouteState } from '../history/ops.js';
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
  /** Copies that count (at or before the end), sorted. */
  copies: number[];
  /** Copies after the end: shown, never counted. */
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

/** Groups one board's ops (sorted by time) into messages by id, per class. */
export function trafficByClass(ops: readonly Op[], end: number): Map<string, ClassTraffic> {
  const classes = new Map<string, ClassTraffic>();
  const byId = new Map<string, Message>();
  const classOf = (cls: string): ClassTraffic => {
    let c = classes.get(cls);
    if (!c) {
      c = { cls, messages: [], unknown: [], notes: [], unsent: [] };
      classes.set(cls, c);
    }
    return c;
  };
  for (const op of ops) {
    if (op.kind !== 'emit') continue;
    const c = classOf(op.cls);
    c.direction ??= op.direction;
    if (op.unsent !== undefined) {
      c.unsent.push({ id: op.id, t: op.t, why: op.unsent });
      continue;
    }
    if (byId.has(op.id)) {
      c.notes.push({ kind: 'emitted-again', level: 'info', cls: op.cls, id: op.id, t: op.t });
      continue;
    }
    const m: Message = {
      id: op.id,
      cls: op.cls,
      direction: op.direction,
      emit: op.t,
      copies: [],
      afterEnd: [],
    };
    if (op.seq !== undefined) m.seq = op.seq;
    if (op.epoch !== undefined) m.epoch = op.epoch;
    byId.set(op.id, m);
    c.messages.push(m);
  }
  const unknown = new Map<string, UnknownCopy>();
  const hungs: Array<{ t: number; since: number }> = [];
  for (const op of ops) {
    switch (op.kind) {
      case 'hung':
        hungs.push({ t: op.t, since: op.t - op.silentMs });
        break;
      case 'noticed': {
        const m = byId.get(op.id);
        if (m) m.noticed ??= op.t;
        break;
      }
      case 'accepted': {
        const m = byId.get(op.id);
        if (m) m.accepted ??= op.t;
        break;
      }
      case 'dropped': {
        const m = byId.get(op.id);
        if (m) m.dropped ??= { t: op.t, why: op.why };
        break;
      }
      case 'routed': {
        const m = byId.get(op.id);
        if (m && !m.routed) {
          const held = op.held === true;
          m.routed = op.why ? { t: op.t, to: op.to, why: op.why, held } : { t: op.t, to: op.to, held };
        }
        break;
      }
      case 'broker-forgot': {
        const m = byId.get(op.id);
        if (m) m.brokerForgot ??= { t: op.t, why: op.why };
        break;
      }
      case 'delivered': {
        const m = byId.get(op.id);
        if (!m) {
          if (op.t > end) break;
          const c = classOf(op.cls);
          c.direction ??= op.direction;
          let u = unknown.get(op.id);
          if (!u) {
            u = { id: op.id, copies: [] };
            unknown.set(op.id, u);
            c.unknown.push(u);
          }
          u.copies.push(op.t);
          break;
        }
        if (op.cls !== m.cls) {
          classOf(m.cls).notes.push({
            kind: 'other-class',
            level: 'info',
            cls: m.cls,
            id: m.id,
            t: op.t,
            as: op.cls,
          });
        }
        (op.t > end ? m.afterEnd : m.copies).push(op.t);
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
