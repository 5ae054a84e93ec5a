import type { Op, OpOf } from './ops.js';

/**
 * A restart lasts until the board is connected again, not until its end op. Histories written
 * before ops carried their effect name the kind instead.
 */
function isRestart(op: OpOf<'fault'>): boolean {
  return op.effect === 'restart' || (op.effect === undefined && op.fault === 'reboot');
}

/** One fault as it really happened on the board: its start op paired with its end. */
export interface FaultSpan {
  fault: string;
  /** ms from t = 0. */
  start: number;
  /**
   * Undefined: it never ended (a reboot: the board never reported `mqtt connected` again, nor
   * did the broker see it connect while its serial port was away).
   */
  end?: number;
  /** A reboot: from its start until the agent's next `mqtt connected` (see connectedIndexes), whatever its end op says. */
  reboot: boolean;
  startOp: OpOf<'fault'>;
  /** The end op (never set for a reboot). */
  endOp?: OpOf<'fault'>;
  /** Whether it was seen to act; absent when the run recorded nothing (older histories, flaps as a whole). */
  confirm?: OpOf<'confirm'>;
}

export interface FaultSpans {
  /**
   * Closed spans in the order they ended, then the open ones grouped by fault name (names in
   * order of their first start), then reboots in start order.
   */
  spans: FaultSpan[];
  /** End ops with no start to pair with, in time order. */
  orphanEnds: OpOf<'fault'>[];
}

/**
 * Pairs one board's fault start/end ops (sorted by time): by name, first in first out. The one
 * place that does: the checker's link, the timeline's bands and the Allure steps all read it.
 */
export function faultSpans(ops: readonly Op[]): FaultSpans {
  const spans: FaultSpan[] = [];
  const reboots: FaultSpan[] = [];
  const orphanEnds: OpOf<'fault'>[] = [];
  const open = new Map<string, OpOf<'fault'>[]>();
  const connected = connectedAfter(ops);
  // Confirmations belong to the starts of their fault name, first in first out.
  const startsByName = new Map<string, OpOf<'fault'>[]>();
  const confirmOf = new Map<OpOf<'fault'>, OpOf<'confirm'>>();
  ops.forEach((op, i) => {
    if (op.kind === 'confirm') {
      const start = startsByName.get(op.fault)?.shift();
      if (start) confirmOf.set(start, op);
      return;
    }
    if (op.kind !== 'fault') return;
    if (op.phase === 'start') {
      const list = startsByName.get(op.fault);
      if (list) list.push(op);
      else startsByName.set(op.fault, [op]);
    }
    if (isRestart(op)) {
      if (op.phase !== 'start') return;
      const back = connected(i, op.t);
      reboots.push({
        fault: op.fault,
        start: op.t,
        ...(back && { end: back.t }),
        reboot: true,
        startOp: op,
      });
      return;
    }
    const starts = open.get(op.fault) ?? [];
    if (op.phase === 'start') {
      starts.push(op);
      open.set(op.fault, starts);
      return;
    }
    const start = starts.shift();
    if (!start) orphanEnds.push(op);
    else spans.push({ fault: op.fault, start: start.t, end: op.t, reboot: false, startOp: start, endOp: op });
  });
  for (const starts of open.values())
    for (const s of starts) spans.push({ fault: s.fault, start: s.t, reboot: false, startOp: s });
  const all = [...spans, ...reboots];
  for (const span of all) {
    const c = confirmOf.get(span.startOp);
    if (c) span.confirm = c;
  }
  return { spans: all, orphanEnds };
}

/**
 * `(i, t)` → the first `mqtt connected` op after index i and later than t. Indexes them once;
 * each lookup skips from the next one after i (in sorted ops, only those at t itself).
 */
function connectedAfter(ops: readonly Op[]): (i: number, t: number) => Op | undefined {
  let at: number[] | undefined;
  return (i, t) => {
    at ??= connectedIndexes(ops);
    const idx = at as number[];
    let lo = 0;
    let hi = idx.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((idx[mid] as number) > i) hi = mid;
      else lo = mid + 1;
    }
    for (let k = lo; k < idx.length; k++) {
      const o = ops[idx[k] as number] as Op;
      if (o.t > t) return o;
    }
    return undefined;
  };
}

/**
 * Where the agent said `mqtt connected`; while its serial port was away (between `port-away`
 * and `port-back`) the agent could not be heard, so the broker's connect of its client stands in.
 */
function connectedIndexes(ops: readonly Op[]): number[] {
  const out: number[] = [];
  let away = false;
  // A loop, not forEach/flatMap: this runs over every op of a million-op history.
  for (let j = 0; j < ops.length; j++) {
    const o = ops[j] as Op;
    if (o.kind === 'port-away') away = true;
    else if (o.kind === 'port-back') away = false;
    else if (
      o.kind === 'mqtt' ? o.state === 'connected' : away && o.kind === 'client' && o.event === 'connect'
    )
      out.push(j);
  }
  return out;
}

/**
 * When a run's judging ends, in ms: max(duration, the last fault end) + drain. A fault end is
 * an end op or a reboot's reconnect; faults that never ended do not count. `paired`: the ops'
 * `faultSpans`, when already made.
 */
export function judgedEnd(
  ops: readonly Op[],
  duration: number,
  drain: number,
  paired: FaultSpans = faultSpans(ops),
): number {
  let last = 0;
  for (const op of ops) if (op.kind === 'fault' && op.phase === 'end') last = Math.max(last, op.t);
  for (const s of paired.spans) if (s.end !== undefined) last = Math.max(last, s.end);
  return Math.max(duration, last) + drain;
}
