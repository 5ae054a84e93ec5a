import { expect } from 'chai';
import fc from 'fast-check';
import { boardView } from '../../harness/checker/board-view.js';
import { check } from '../../harness/checker/check.js';
import { noReboot } from '../../harness/checker/checks/no-reboot.js';
import { networkDowns } from '../../harness/checker/checks/outages.js';
import { busiestMinute, reconnectBudget } from '../../harness/checker/checks/reconnect-budget.js';
import { reconnectsWithin } from '../../harness/checker/checks/reconnects-within.js';
import { orderFindings } from '../../harness/checker/gap-report.js';
import { latencyStats } from '../../harness/checker/latency.js';
import { firstSettledIn, isDownAt, linkOf, outagesDuring, upSince } from '../../harness/checker/link.js';
import { asRecorded, type Message, trafficByClass } from '../../harness/checker/messages.js';
import { overtaken } from '../../harness/checker/policies/must-deliver.js';
import { boardOps } from '../../harness/history/board-ops.js';
import { faultSpans } from '../../harness/history/fault-spans.js';
import type { History, Op } from '../../harness/history/ops.js';
import type { CheckSpec } from '../../harness/spec/types.js';
import { scenario } from './checker-history-builder.js';
import * as ref from './checker-reference.js';

/**
 * The linear checker equals the old, quadratic one (checker-reference.ts) on random histories:
 * ties, unsorted appends, other boards' ops, overlapping and unended faults, reboots.
 */
const RUNS = { numRuns: 300, interruptAfterTimeLimit: 20_000 };
const BOARD = 'b1';

/** Times on a coarse grid (so ties are common), now and then with µs, some before t = 0. */
const timeArb = fc.oneof(
  fc.integer({ min: -2, max: 60 }).map((x) => x * 1000),
  fc.integer({ min: -2_000, max: 60_000 }),
  fc.integer({ min: 0, max: 60_000_000 }).map((x) => x / 1000),
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: timeArb,
    kind: fc.constant('fault' as const),
    board: fc.constantFrom(BOARD, BOARD, BOARD, 'b2'),
    fault: fc.constantFrom('wifi-outage', 'broker-outage', 'latency', 'reboot'),
    phase: fc.constantFrom('start' as const, 'end' as const),
    down: fc.boolean(),
    effect: fc.constantFrom('down' as const, 'degraded' as const, 'restart' as const, undefined),
  }),
  fc.record({
    t: timeArb,
    kind: fc.constant('mqtt' as const),
    board: fc.constantFrom(BOARD, BOARD, 'b2'),
    state: fc.constantFrom('connecting' as const, 'connected' as const, 'disconnected' as const),
  }),
  fc.record({
    t: timeArb,
    kind: fc.constant('client' as const),
    board: fc.constant(BOARD),
    event: fc.constantFrom('connect' as const, 'disconnect' as const),
    clientId: fc.constant(BOARD),
  }),
  fc.record({
    t: timeArb,
    kind: fc.constant('boot' as const),
    board: fc.constant(BOARD),
    reason: fc.constantFrom('hello' as const, 'banner' as const),
  }),
);

const opsArb = fc.array(opArb, { maxLength: 40 }).map((ops) =>
  // fast-check records keep an `effect: undefined` key; a recorded op has none.
  ops.map((op) => {
    const o = { ...op } as Record<string, unknown>;
    if (o.effect === undefined) delete o.effect;
    return o as unknown as Op;
  }),
);

const sortedOps = (ops: Op[]) => ref.boardOps({ board: BOARD, ops });
const epsArb = fc.constantFrom(0, 1, 50, 500);

describe('checker: the linear checker equals the old one', () => {
  it('boardOps: same ops in the same order, sorted or not', () => {
    fc.assert(
      fc.property(opsArb, fc.boolean(), (ops, presort) => {
        const input = presort ? [...ops].sort((a, b) => a.t - b.t) : ops;
        const h = { board: BOARD, ops: input };
        const got = boardOps(h);
        const want = ref.boardOps(h);
        expect(got.length).to.equal(want.length);
        got.forEach((op, i) => {
          expect(op).to.equal(want[i]);
        });
      }),
      RUNS,
    );
  });

  it('faultSpans: a reboot ends at the first later `mqtt connected`, in sorted and unsorted ops', () => {
    fc.assert(
      fc.property(opsArb, fc.boolean(), (ops, sort) => {
        const input = sort ? sortedOps(ops) : ops;
        for (const s of faultSpans(input).spans.filter((x) => x.reboot)) {
          const back = ref.rebootBack(input, input.indexOf(s.startOp));
          expect(s.end).to.equal(back?.t);
        }
      }),
      RUNS,
    );
  });

  it('link: isDownAt, upSince, firstSettledIn and outagesDuring at any instant', () => {
    fc.assert(
      fc.property(
        opsArb,
        epsArb,
        fc.array(fc.tuple(timeArb, timeArb, fc.constantFrom(0, 1000, 5000, 10_000)), { maxLength: 12 }),
        (ops, eps, queries) => {
          const link = linkOf(sortedOps(ops), eps);
          for (const [a, b, settle] of queries) {
            expect(isDownAt(link, a)).to.equal(ref.isDownAt(link, a));
            expect(upSince(link, a)).to.equal(ref.upSince(link, a));
            expect(firstSettledIn(link, a, b, settle)).to.equal(ref.firstSettledIn(link, a, b, settle));
            expect(outagesDuring(link, a, b)).to.deep.equal(ref.outagesDuring(link, a, b));
          }
        },
      ),
      RUNS,
    );
  });

  const messagesArb = fc
    .array(
      fc.record({
        emit: fc.integer({ min: 0, max: 20 }),
        seq: fc.integer({ min: 0, max: 12 }),
        epoch: fc.constantFrom(1, 2, undefined),
        copies: fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 2 }),
      }),
      { maxLength: 30 },
    )
    .map((rows) =>
      rows.map(
        (r, i): Message => ({
          id: `c-${i}`,
          cls: 'command',
          direction: 'down',
          seq: r.seq,
          ...(r.epoch !== undefined && { epoch: r.epoch }),
          emit: r.emit * 100,
          copies: r.copies.map((c) => c * 100).sort((a, b) => a - b),
          afterEnd: [],
        }),
      ),
    );

  it('must-deliver ordered: the same earliest overtaken message, in emit order or not', () => {
    fc.assert(
      fc.property(messagesArb, fc.boolean(), (messages, sort) => {
        const input = sort ? [...messages].sort((a, b) => a.emit - b.emit) : messages;
        expect([...overtaken(input)]).to.deep.equal([...ref.overtaken(input)]);
      }),
      RUNS,
    );
  });

  it('seq-order findings: the same commands, each naming the same one it overtook', () => {
    fc.assert(
      fc.property(messagesArb, (messages) => {
        expect(orderFindings('command', messages)).to.deep.equal(ref.orderFindings('command', messages));
      }),
      RUNS,
    );
  });

  it('latency stats: the same figures', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -500, max: 50_000 }).map((x) => x / 10)), (xs) => {
        expect(latencyStats(xs)).to.deep.equal(ref.latencyStats(xs));
      }),
      RUNS,
    );
  });

  const history = (ops: Op[]): History => ({
    scenario: 'linear',
    board: BOARD,
    firmware: 'fw',
    startedAt: '2026-01-01T00:00:00Z',
    duration: 60_000,
    drain: 10_000,
    end: 0,
    ops,
  });

  it('health checks on whole histories: reconnects-within, no-reboot, reconnect-budget', () => {
    fc.assert(
      fc.property(opsArb, epsArb, fc.constantFrom(0, 2000, 10_000), (ops, eps, within) => {
        const sc = scenario({}, { tolerance: eps, duration: 60_000, drain: 10_000 });
        const view = boardView(history(ops), sc);
        const spec = { check: 'reconnects-within', within } as CheckSpec;
        expect(reconnectsWithin.judge(spec, view).findings).to.deep.equal(ref.reconnectsWithin(within, view));
        expect(noReboot.judge({ check: 'no-reboot' }, view).findings).to.deep.equal(ref.noReboot(view));
        const downs = networkDowns(view.link);
        const budget = reconnectBudget.judge({ check: 'reconnect-budget', perMinute: 2 } as CheckSpec, view);
        const worst = busiestMinute(ref.attemptsWhileDown(view.ops, downs));
        if (downs.length && worst.count > 2)
          expect(budget.findings[0]).to.include({ kind: 'budget-exceeded', attempts: worst.count });
        else if (downs.length) expect(budget.findings[0]).to.include({ attempts: worst.count });
      }),
      RUNS,
    );
  });

  it('trafficByClass: the same messages, notes and unknown ids as the old grouping, keys in the same order', () => {
    const ids = ['t-1', 't-2', 'c-1', 'c-2', 'a-1', 'x-9'];
    const idArb = fc.constantFrom(...ids);
    const clsArb = fc.constantFrom('telemetry', 'command', 'alarm');
    const t = timeArb;
    const msgOpArb: fc.Arbitrary<Op> = fc.oneof(
      fc
        .record({
          t,
          id: idArb,
          cls: clsArb,
          direction: fc.constantFrom('up' as const, 'down' as const),
          seq: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
          epoch: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
          unsent: fc.option(fc.constant('gone'), { nil: undefined, freq: 8 }),
        })
        .map(({ seq, epoch, unsent, ...e }) => ({
          ...e,
          kind: 'emit' as const,
          board: BOARD,
          ...(seq !== undefined && { seq }),
          ...(epoch !== undefined && { epoch }),
          ...(unsent !== undefined && { unsent }),
        })),
      fc.record({
        t,
        kind: fc.constant('noticed' as const),
        board: fc.constant(BOARD),
        cls: clsArb,
        id: idArb,
      }),
      fc.record({ t, kind: fc.constant('accepted' as const), board: fc.constant(BOARD), id: idArb }),
      fc.record({
        t,
        kind: fc.constant('dropped' as const),
        board: fc.constant(BOARD),
        id: idArb,
        why: fc.constantFrom('offline', 'full'),
      }),
      fc
        .record({
          t,
          id: idArb,
          to: fc.constantFrom('online' as const, 'offline' as const, 'none' as const),
          why: fc.option(fc.constant('session-lost' as const), { nil: undefined }),
          held: fc.option(fc.boolean(), { nil: undefined }),
        })
        .map(({ why, held, ...r }) => ({
          ...r,
          kind: 'routed' as const,
          board: BOARD,
          ...(why !== undefined && { why }),
          ...(held !== undefined && { held }),
        })),
      fc.record({
        t,
        kind: fc.constant('broker-forgot' as const),
        board: fc.constant(BOARD),
        id: idArb,
        why: fc.constant('queue'),
      }),
      fc.record({
        t,
        kind: fc.constant('delivered' as const),
        board: fc.constant(BOARD),
        cls: clsArb,
        id: idArb,
        direction: fc.constantFrom('up' as const, 'down' as const),
      }),
      fc.record({
        t,
        kind: fc.constant('hung' as const),
        board: fc.constant(BOARD),
        silentMs: fc.integer({ min: 0, max: 5000 }),
      }),
    );
    fc.assert(
      fc.property(
        fc.array(msgOpArb, { maxLength: 60 }),
        fc.boolean(),
        fc.constantFrom(20_000, 70_000),
        (ops, sort, end) => {
          const input = sort ? sortedOps(ops) : ops;
          const got = [...trafficByClass(input, end).values()].map((c) => ({
            ...c,
            messages: c.messages.map(asRecorded),
          }));
          const want = [...ref.trafficByClass(input, end).values()];
          expect(JSON.stringify(got)).to.equal(JSON.stringify(want));
          expect(got).to.deep.equal(want);
        },
      ),
      RUNS,
    );
  });

  it('check(): a message is blamed exactly when a failing finding of its class names it', () => {
    const emitArb = fc.record({
      t: fc.integer({ min: 0, max: 60 }).map((x) => x * 1000),
      cls: fc.constantFrom('telemetry', 'command'),
      n: fc.integer({ min: 0, max: 9 }),
      copies: fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(opsArb, fc.array(emitArb, { maxLength: 25 }), (noise, emits) => {
        const ops: Op[] = [...noise];
        emits.forEach((e, i) => {
          const id = `${e.cls}-${e.n}`;
          const direction = e.cls === 'command' ? 'down' : 'up';
          ops.push({ t: e.t, kind: 'emit', board: BOARD, cls: e.cls, id, direction, seq: i });
          for (const c of e.copies)
            ops.push({ t: e.t + c, kind: 'delivered', board: BOARD, cls: e.cls, id, direction });
        });
        const v = check(
          history(ops),
          scenario(
            {
              telemetry: { policy: 'drop' },
              command: { policy: 'must-deliver', exactlyOnce: true, ordered: true } as never,
            },
            { duration: 60_000, drain: 10_000 },
          ),
        );
        for (const c of v.classes) {
          for (const m of c.messages) {
            const named = c.findings.some(
              (f) =>
                f.level !== 'info' &&
                (('message' in f && f.message.id === m.id) || (f.kind === 'unknown-id' && f.id === m.id)),
            );
            expect(m.blamed, `${c.class} ${m.id}`).to.equal(named);
          }
        }
        // The traffic view is unchanged by the rewrite: every emitted id is judged once.
        const traffic = trafficByClass(boardOps(history(ops)), 70_000);
        const judged = v.classes.reduce((n, c) => n + c.emitted, 0);
        expect(judged).to.equal([...traffic.values()].reduce((n, c) => n + c.messages.length, 0));
      }),
      RUNS,
    );
  });
});
