import { expect } from 'chai';
import { type CheckerScenario, check } from '../../harness/checker/check.js';
import type { ClassVerdict } from '../../harness/checker/verdict.js';
import type { Direction, History, NoRouteReason, Op, RouteState } from '../../harness/history/ops.js';
import type { PolicySpec } from '../../harness/spec/policy.js';
import type { CheckSpec } from '../../harness/spec/types.js';

/** Seconds (as tables read) to ms, exact to the microsecond: 15.001 → 15001. */
export const s = (sec: number): number => Math.round(sec * 1e6) / 1e3;

export interface MessageOpts {
  /** Delivery times in seconds; none: never delivered. */
  at?: number[];
  /** Default: the emit time. null: never noticed. */
  noticed?: number | null;
  /** Default: the noticed time. null: never accepted. */
  accepted?: number | null;
  direction?: Direction;
  seq?: number;
  epoch?: number;
}

/** Small readable histories for checker tests; every time is in seconds from t = 0. */
export class HistoryBuilder {
  readonly ops: Op[] = [];
  private classes = new Map<string, string>();

  constructor(readonly board = 'b1') {}

  /** A message's whole life: emit, noticed, accepted, deliveries. */
  msg(cls: string, id: string, emit: number, o: MessageOpts = {}): this {
    const direction = o.direction ?? 'up';
    this.emit(emit, cls, id, { direction, seq: o.seq, epoch: o.epoch });
    if (direction === 'up') {
      const noticed = o.noticed === undefined ? emit : o.noticed;
      if (noticed !== null) this.push({ t: s(noticed), kind: 'noticed', board: this.board, cls, id });
      const accepted = o.accepted === undefined ? noticed : o.accepted;
      if (accepted !== null) this.push({ t: s(accepted), kind: 'accepted', board: this.board, id });
    }
    for (const t of o.at ?? []) this.delivered(t, id, { cls, direction, seq: o.seq, epoch: o.epoch });
    return this;
  }

  emit(
    t: number,
    cls: string,
    id: string,
    o: { direction?: Direction; seq?: number; epoch?: number } = {},
  ): this {
    this.classes.set(id, cls);
    return this.push({
      t: s(t),
      kind: 'emit',
      board: this.board,
      cls,
      id,
      direction: o.direction ?? 'up',
      ...(o.seq !== undefined && { seq: o.seq }),
      ...(o.epoch !== undefined && { epoch: o.epoch }),
    });
  }

  delivered(
    t: number,
    id: string,
    o: { cls?: string; direction?: Direction; seq?: number; epoch?: number } = {},
  ): this {
    return this.push({
      t: s(t),
      kind: 'delivered',
      board: this.board,
      cls: o.cls ?? this.classes.get(id) ?? 'unknown',
      id,
      direction: o.direction ?? 'up',
      ...(o.seq !== undefined && { seq: o.seq }),
      ...(o.epoch !== undefined && { epoch: o.epoch }),
    });
  }

  dropped(t: number, id: string, why: string): this {
    return this.push({ t: s(t), kind: 'dropped', board: this.board, id, why });
  }

  brokerForgot(t: number, id: string, why = 'the broker restarted clean'): this {
    return this.push({ t: s(t), kind: 'broker-forgot', board: this.board, id, why });
  }

  /** Where the broker put command `id` when the runner published it. */
  routed(t: number, id: string, to: RouteState, why?: NoRouteReason, held = false): this {
    return this.push({
      t: s(t),
      kind: 'routed',
      board: this.board,
      id,
      to,
      ...(why && { why }),
      ...(held && { held }),
    });
  }

  /** A fault from `from` to `to` (seconds; undefined: never ended). */
  fault(from: number, to: number | undefined, fault = 'wifi-outage', down = true): this {
    this.push({ t: s(from), kind: 'fault', board: this.board, fault, phase: 'start', down });
    if (to !== undefined)
      this.push({ t: s(to), kind: 'fault', board: this.board, fault, phase: 'end', down });
    return this;
  }

  /** A scheduled reboot: the fault op, a boot, and (unless null) `mqtt connected` at `back`. */
  reboot(t: number, back: number | null, bootAt = t + 0.5): this {
    this.push({ t: s(t), kind: 'fault', board: this.board, fault: 'reboot', phase: 'start', down: false });
    this.boot(bootAt, 'hello');
    if (back !== null) this.mqtt(back, 'connected');
    return this;
  }

  /** Whether the last fault named `fault` was seen to act, decided at `t`. */
  confirm(t: number, fault: string, confirmed: boolean, seen: string): this {
    return this.push({ t: s(t), kind: 'confirm', board: this.board, fault, confirmed, seen });
  }

  mqtt(t: number, state: 'connecting' | 'connected' | 'disconnected'): this {
    return this.push({ t: s(t), kind: 'mqtt', board: this.board, state });
  }

  clientDisconnect(t: number, clientId = this.board): this {
    return this.push({ t: s(t), kind: 'client', board: this.board, event: 'disconnect', clientId });
  }

  clientConnect(t: number, clientId = this.board): this {
    return this.push({ t: s(t), kind: 'client', board: this.board, event: 'connect', clientId });
  }

  boot(
    t: number,
    reason: 'hello' | 'banner' | 'rom' = 'banner',
    line = 'MicroPython v1.24.0 on 2024-10-25',
  ): this {
    return this.push({
      t: s(t),
      kind: 'boot',
      board: this.board,
      reason,
      ...(reason !== 'hello' && { line }),
    });
  }

  traceback(t: number, error = 'OSError: [Errno 113] EHOSTUNREACH'): this {
    this.push({ t: s(t), kind: 'traceback', board: this.board, line: 'Traceback (most recent call last):' });
    this.serial(t, '  File "main.py", line 42, in loop');
    return this.serial(t, error);
  }

  serial(t: number, line: string): this {
    return this.push({ t: s(t), kind: 'serial', board: this.board, line });
  }

  hung(t: number, silent: number): this {
    return this.push({ t: s(t), kind: 'hung', board: this.board, silentMs: s(silent) });
  }

  error(t: number, msg: string): this {
    return this.push({ t: s(t), kind: 'error', board: this.board, msg });
  }

  /** Ops recorded for another board in the same history. */
  other(board: string, fill: (b: HistoryBuilder) => void): this {
    const b = new HistoryBuilder(board);
    fill(b);
    this.ops.push(...b.ops);
    return this;
  }

  push(op: Op): this {
    this.ops.push(op);
    return this;
  }

  build(over: Partial<History> = {}): History {
    return {
      scenario: 'test',
      board: this.board,
      firmware: 'fw',
      startedAt: '2026-01-01T00:00:00Z',
      duration: 90_000,
      drain: 30_000,
      end: 120_000,
      ops: this.ops,
      ...over,
    };
  }
}

export const history = (board?: string) => new HistoryBuilder(board);

/** duration 90 s, drain 30 s (end 120 s), settle 5 s, ε 50 ms, unless told. */
export function scenario(
  policies: Record<string, PolicySpec>,
  over: Partial<Omit<CheckerScenario, 'policies'>> & { checks?: CheckSpec[] } = {},
): CheckerScenario {
  return { policies, checks: [], settle: 5000, tolerance: 50, duration: 90_000, drain: 30_000, ...over };
}

export const drop = (o: { maxAge?: number; settle?: number } = {}): PolicySpec => ({ policy: 'drop', ...o });
export const retryWithin = (
  within: number,
  o: { duplicates?: 'allowed' | 'forbidden'; settle?: number } = {},
): PolicySpec => ({ ...o, policy: 'retry-within', within, duplicates: o.duplicates ?? 'allowed' });
export const mustDeliver = (
  o: { exactlyOnce?: boolean; ordered?: boolean; settle?: number } = {},
): PolicySpec => ({ policy: 'must-deliver', exactlyOnce: false, ordered: false, ...o });

export interface ClassRow {
  what: string;
  build: (h: HistoryBuilder) => unknown;
  /** Expected fields of the class verdict (counts, verdict). */
  expect: Partial<Omit<ClassVerdict, 'reasons' | 'latency'>>;
  /** A reason that must be there, exactly, or a pattern one of them matches. */
  reason?: string | RegExp;
}

/** Judges one class of a built history. */
export function classVerdict(
  h: HistoryBuilder,
  cls: string,
  policy: PolicySpec,
  over: Parameters<typeof scenario>[1] = {},
): ClassVerdict {
  const v = check(h.build(), scenario({ [cls]: policy }, over));
  const c = v.classes.find((x) => x.class === cls);
  if (!c) throw new Error(`no class ${cls} in ${JSON.stringify(v)}`);
  return c;
}

/** Runs a table of class rows as mocha cases. */
export function classTable(cls: string, policy: PolicySpec, rows: readonly ClassRow[]): void {
  for (const row of rows) {
    it(row.what, () => {
      const h = history();
      row.build(h);
      const c = classVerdict(h, cls, policy);
      expect(c, JSON.stringify(c.reasons)).to.include(row.expect);
      const want = row.reason;
      if (typeof want === 'string') expect(c.reasons).to.include(want);
      else if (want)
        expect(
          c.reasons.some((r) => want.test(r)),
          JSON.stringify(c.reasons),
        ).to.equal(true);
    });
  }
}
