/**
 * The checker's old, naive functions (each scans every op or message per item: quadratic), kept
 * as the oracle the linear ones are compared with in checker-linear.test.ts. Simplified from the
 * code before the rewrite; same results by definition.
 */
import type { BoardView } from '../../harness/checker/board-view.js';
import { type NetworkDown, networkDowns } from '../../harness/checker/checks/outages.js';
import type { CheckFinding, ClassFinding } from '../../harness/checker/findings.js';
import type { Interval, Link } from '../../harness/checker/link.js';
import type { ClassTraffic, Message, UnknownCopy } from '../../harness/checker/messages.js';
import type { History, Op } from '../../harness/history/ops.js';

const elapsed = (from: number, to: number) => Math.round((to - from) * 1000) / 1000;

export function boardOps(history: Pick<History, 'board' | 'ops'>): Op[] {
  return history.ops
    .map((op, i) => ({ op, i }))
    .filter(({ op }) => op.board === history.board)
    .sort((a, b) => a.op.t - b.op.t || a.i - b.i)
    .map(({ op }) => op);
}

/** The reboot's end: the first `mqtt connected` after it in the list and later in time. */
export function rebootBack(ops: readonly Op[], i: number): Op | undefined {
  const op = ops[i] as Op;
  return ops.slice(i + 1).find((o) => o.kind === 'mqtt' && o.state === 'connected' && o.t > op.t);
}

function inside(x: number, d: Interval, eps: number): boolean {
  return (x >= d.start || x > d.start - eps) && x < d.end;
}

export function isDownAt(link: Link, x: number): boolean {
  return x < 0 || link.down.some((d) => inside(x, d, link.tolerance));
}

export function upSince(link: Link, x: number): number | undefined {
  if (isDownAt(link, x)) return undefined;
  let since = 0;
  for (const d of link.down) if (d.end <= x) since = Math.max(since, d.end);
  return since;
}

export function isSettledAt(link: Link, x: number, settle: number): boolean {
  const since = upSince(link, x);
  return since !== undefined && elapsed(since, x) >= settle;
}

export function firstSettledIn(link: Link, from: number, to: number, settle: number): number | undefined {
  const candidates = [from, settle, ...link.down.map((d) => d.end + settle)]
    .filter((x) => x >= from && x <= to)
    .sort((a, b) => a - b);
  return candidates.find((x) => isSettledAt(link, x, settle));
}

export function outagesDuring(link: Link, from: number, to: number): string[] {
  const names = link.outages
    .filter((o) => o.end > from && (to >= o.start || to > o.start - link.tolerance))
    .map((o) => o.fault);
  return [...new Set(names)];
}

/** must-deliver `ordered`: for each message, the earliest earlier emit whose first copy came later. */
export function overtaken(messages: readonly Message[]): Map<Message, Message> {
  const delivered = messages.filter((m) => m.copies.length > 0);
  const out = new Map<Message, Message>();
  delivered.forEach((m, i) => {
    const first = m.copies[0] as number;
    const earlier = delivered.slice(0, i).find((p) => p.emit < m.emit && (p.copies[0] as number) > first);
    if (earlier) out.set(m, earlier);
  });
  return out;
}

/** gap-report's `seq-order` findings, each command scanning all others. */
export function orderFindings(cls: string, messages: readonly Message[]): ClassFinding[] {
  const sent = messages.filter((m) => m.direction === 'down' && m.seq !== undefined && m.copies.length > 0);
  const several = new Set(sent.map((m) => m.epoch)).size > 1;
  const out: ClassFinding[] = [];
  for (const m of sent) {
    const first = m.copies[0] as number;
    const e = sent.find(
      (o) => o.epoch === m.epoch && (o.seq as number) < (m.seq as number) && (o.copies[0] as number) > first,
    );
    if (e) {
      out.push({
        kind: 'seq-order',
        level: 'info',
        cls,
        seq: m.seq as number,
        ...(several && m.epoch !== undefined ? { epoch: m.epoch } : {}),
        received: first,
        before: { seq: e.seq as number, received: e.copies[0] as number },
      });
    }
  }
  return out;
}

/** The reconnects-within check as it was: each outage scans every mqtt event and the ops before it. */
export function reconnectsWithin(within: number, view: BoardView): CheckFinding[] {
  const d = within;
  const mqtt = view.ops.filter((o) => o.kind === 'mqtt');
  const connected = mqtt.filter((o) => o.state === 'connected').map((o) => o.t);
  const breaks = mqtt.filter((o) => o.state !== 'connected').map((o) => o.t);
  const failures: CheckFinding[] = [];
  const errors: CheckFinding[] = [];
  const info: CheckFinding[] = [];
  let slowest: { after: number; down: NetworkDown } | undefined;
  const downs = networkDowns(view.link);
  for (const down of downs) {
    const faults = [...down.faults];
    if (!Number.isFinite(down.end)) {
      errors.push({ kind: 'outage-unended', level: 'error', faults, start: down.start });
      continue;
    }
    const lastBreak = Math.max(down.start, ...breaks.filter((t) => t >= down.start && t <= down.end));
    const back = connected.find((t) => t > lastBreak);
    if (back !== undefined && elapsed(down.end, back) <= d) {
      const after = Math.max(0, back - down.end);
      if (!slowest || after > slowest.after) slowest = { after, down };
    } else if (survived(view, down, d)) {
      info.push({ kind: 'survived', level: 'info', faults, start: down.start, end: down.end });
    } else if (back !== undefined) {
      failures.push({ kind: 'reconnected-late', level: 'fail', faults, end: down.end, back, within: d });
    } else {
      failures.push({ kind: 'never-reconnected', level: 'fail', faults, end: down.end });
    }
  }
  // A reboot with no boot after it may never have acted: error, not fail (issue 14).
  const reboots = view.link.outages.filter((r) => r.kind === 'reboot');
  for (const r of reboots) {
    if (Number.isFinite(r.end)) continue;
    if (view.ops.some((o) => o.kind === 'boot' && o.t >= r.start))
      failures.push({ kind: 'reboot-never-reconnected', level: 'fail', start: r.start });
    else errors.push({ kind: 'reboot-no-boot', level: 'error', start: r.start });
  }
  if (slowest) {
    info.push({
      kind: 'slowest-reconnect',
      level: 'info',
      faults: [...slowest.down.faults],
      end: slowest.down.end,
      after: slowest.after,
    });
  }
  if (!downs.length && !reboots.length) info.push({ kind: 'no-outage', level: 'info' });
  return [...failures, ...errors, ...info];
}

function survived(view: BoardView, down: NetworkDown, d: number): boolean {
  let state = 'connected';
  for (const op of view.ops) {
    if (op.t > down.end + d) break;
    if (op.kind === 'mqtt') {
      if (op.t >= down.start && op.state !== 'connected') return false;
      if (op.t >= 0) state = op.state;
    }
    if (op.kind === 'client' && op.event === 'disconnect' && op.t >= down.start) return false;
  }
  return state === 'connected';
}

/** The no-reboot check as it was: each boot scans every scheduled reboot. */
export function noReboot(view: BoardView): CheckFinding[] {
  const scheduled = view.link.outages.filter((o) => o.kind === 'reboot');
  const failures: CheckFinding[] = [];
  let inRestart = false;
  for (const op of view.ops) {
    if (op.kind === 'mqtt' && op.state === 'connected') inRestart = false;
    if (op.kind !== 'boot' || op.t <= 0 || op.t > view.end) continue;
    if (scheduled.some((r) => op.t >= r.start && op.t <= r.end)) continue;
    if (inRestart) continue;
    inRestart = true;
    failures.push({
      kind: 'rebooted',
      level: 'fail',
      t: op.t,
      reason: op.reason,
      ...(op.boot !== undefined && { boot: op.boot }),
      ...(op.line !== undefined && { line: op.line }),
    });
  }
  return failures;
}

/** reconnect-budget: the attempts made while the network was down. */
export function attemptsWhileDown(ops: readonly Op[], downs: readonly NetworkDown[]): number[] {
  return ops
    .filter((o) => o.kind === 'mqtt' && o.state === 'connecting')
    .map((o) => o.t)
    .filter((t) => downs.some((d) => t >= d.start && t < d.end));
}

export function latencyStats(values: readonly number[]) {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const n = v.length;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  const p95 = v[Math.ceil(0.95 * n) - 1] as number;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { min: r(v[0] as number), median: r(median), p95: r(p95), max: r(v[n - 1] as number) };
}

/** trafficByClass before messages had one shape: each message an object literal grown op by op. */
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
