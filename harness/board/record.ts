import type { Op } from '../history/ops.js';
import type { Observation } from './observation.js';

/**
 * Maps one observation to the history ops it stands for (pure). `t0` is the run's t = 0 on the
 * same monotonic clock; ops before it get negative times.
 */
export function toOps(o: Observation, board: string, t0 = 0): Op[] {
  const t = o.t - t0;
  switch (o.kind) {
    case 'console':
    case 'malformed':
      return [{ t, kind: 'serial', board, line: o.line }];
    case 'boot':
      return [
        {
          t,
          kind: 'boot',
          board,
          reason: o.reason,
          ...(o.boot !== undefined && { boot: o.boot }),
          ...(o.line !== undefined && { line: o.line }),
          ...(o.unseenMs !== undefined && { unseenMs: o.unseenMs }),
        },
      ];
    case 'traceback':
      return [
        {
          t,
          kind: 'traceback',
          board,
          line: o.error || (o.lines.at(-1) ?? ''),
          ...(o.cut !== undefined && { cut: o.cut }),
        },
      ];
    case 'hung':
      return [{ t, kind: 'hung', board, silentMs: o.silentMs, ...(o.boots && { boots: o.boots }) }];
    case 'away':
      return [{ t, kind: 'port-away', board, msg: o.error.message }];
    case 'back':
      return [{ t, kind: 'port-back', board, awayMs: o.awayMs, at: o.at }];
    case 'gone':
      return [{ t, kind: 'error', board, msg: o.error.message, gone: true }];
    case 'event':
      return eventOps(o.event, t, board);
    default: {
      const never: never = o;
      return never;
    }
  }
}

function eventOps(e: Extract<Observation, { kind: 'event' }>['event'], t: number, board: string): Op[] {
  switch (e.ev) {
    case 'hello':
      return []; // a reboot shows as its own `boot` observation
    case 'emitted':
      return [{ t, kind: 'noticed', board, cls: e.cls, id: e.id }];
    case 'published':
      return [{ t, kind: 'accepted', board, id: e.id }];
    case 'dropped':
      return [{ t, kind: 'dropped', board, id: e.id, why: e.why }];
    case 'received':
      return [
        {
          t,
          kind: 'delivered',
          board,
          cls: e.cls,
          id: e.id,
          direction: 'down',
          seq: e.seq,
          ...(typeof e.epoch === 'number' && { epoch: e.epoch }),
        },
      ];
    case 'mqtt':
      return [{ t, kind: 'mqtt', board, state: e.state }];
    case 'net':
      return [{ t, kind: 'net', board, state: e.state }];
    case 'error':
      return [{ t, kind: 'agent-error', board, msg: e.msg }];
    default: {
      const never: never = e;
      return never;
    }
  }
}
