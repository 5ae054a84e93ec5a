import { expect } from 'chai';
import fc from 'fast-check';
import { check } from '../../harness/checker/check.js';
import { verdictRank } from '../../harness/checker/verdict.js';
import type { History, Op } from '../../harness/history/ops.js';
import type { PolicySpec } from '../../harness/spec/policy.js';
import type { CheckSpec } from '../../harness/spec/types.js';
import { scenario } from './checker-history-builder.js';

const BOARD = 'b1';
const SETTLE_MAX = 10_000;
const DURATION = 90_000;

const policyArb: fc.Arbitrary<PolicySpec> = fc.oneof(
  fc.record({
    policy: fc.constant('drop' as const),
    maxAge: fc.option(fc.integer({ min: 0, max: 40_000 }), { nil: undefined }),
    settle: fc.option(fc.integer({ min: 0, max: SETTLE_MAX }), { nil: undefined }),
  }),
  fc.record({
    policy: fc.constant('retry-within' as const),
    within: fc.integer({ min: 0, max: 40_000 }),
    duplicates: fc.constantFrom('allowed' as const, 'forbidden' as const),
    settle: fc.option(fc.integer({ min: 0, max: SETTLE_MAX }), { nil: undefined }),
  }),
  fc.record({
    policy: fc.constant('must-deliver' as const),
    exactlyOnce: fc.boolean(),
    ordered: fc.boolean(),
    settle: fc.option(fc.integer({ min: 0, max: SETTLE_MAX }), { nil: undefined }),
  }),
);

const checksArb: fc.Arbitrary<CheckSpec[]> = fc.subarray([
  { check: 'no-reboot' },
  { check: 'no-traceback' },
  { check: 'reconnects-within', within: 10_000 },
  { check: 'reconnect-budget', perMinute: 6 },
] as CheckSpec[]);

interface MessageGen {
  emit: number;
  noticed: number | null;
  accepted: boolean;
  /** Delays after the emit. */
  copies: number[];
}

const messageArb: fc.Arbitrary<MessageGen> = fc.record({
  emit: fc.integer({ min: SETTLE_MAX, max: DURATION }),
  noticed: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: null }),
  accepted: fc.boolean(),
  copies: fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 3 }),
});

const faultArb = fc.record({
  start: fc.integer({ min: SETTLE_MAX, max: DURATION }),
  length: fc.integer({ min: 1, max: 25_000 }),
  fault: fc.constantFrom('wifi-outage', 'broker-outage'),
  reconnect: fc.option(fc.integer({ min: 0, max: 15_000 }), { nil: null }),
});

interface Case {
  policies: Record<string, PolicySpec>;
  checks: CheckSpec[];
  history: History;
}

const classes = ['telemetry', 'button', 'alarm'];

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    policies: fc.tuple(policyArb, policyArb, policyArb),
    traffic: fc.tuple(...classes.map(() => fc.array(messageArb, { minLength: 1, maxLength: 6 }))),
    faults: fc.array(faultArb, { maxLength: 3 }),
    checks: checksArb,
  })
  .map(({ policies, traffic, faults, checks }) => {
    const ops: Op[] = [];
    faults.forEach((f) => {
      ops.push({ t: f.start, kind: 'fault', board: BOARD, fault: f.fault, phase: 'start', down: true });
      ops.push({ t: f.start + 1, kind: 'mqtt', board: BOARD, state: 'disconnected' });
      ops.push({
        t: f.start + f.length,
        kind: 'fault',
        board: BOARD,
        fault: f.fault,
        phase: 'end',
        down: true,
      });
      if (f.reconnect !== null) {
        ops.push({ t: f.start + f.length + f.reconnect, kind: 'mqtt', board: BOARD, state: 'connected' });
      }
    });
    traffic.forEach((msgs, ci) => {
      const cls = classes[ci] as string;
      msgs.forEach((m, i) => {
        const id = `${cls}-${i}`;
        ops.push({ t: m.emit, kind: 'emit', board: BOARD, cls, id, direction: 'up' });
        if (m.noticed !== null) {
          ops.push({ t: m.emit + m.noticed, kind: 'noticed', board: BOARD, cls, id });
          if (m.accepted) ops.push({ t: m.emit + m.noticed, kind: 'accepted', board: BOARD, id });
        }
        for (const d of m.copies) {
          ops.push({ t: m.emit + d, kind: 'delivered', board: BOARD, cls, id, direction: 'up' });
        }
      });
    });
    const history: History = {
      scenario: 'prop',
      board: BOARD,
      firmware: 'fw',
      startedAt: '2026-01-01T00:00:00Z',
      duration: DURATION,
      drain: 30_000,
      end: 0,
      ops,
    };
    return {
      policies: Object.fromEntries(classes.map((c, i) => [c, policies[i] as PolicySpec])),
      checks,
      history,
    };
  });

const judge = (c: Case, duration = DURATION) =>
  check(c.history, scenario(c.policies, { checks: c.checks, settle: 5000, duration }));

describe('checker properties', () => {
  it('never throws; counts add up; pass only when every class and check passes', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const v = judge(c);
        for (const cl of v.classes) expect(cl.emitted).to.equal(cl.delivered + cl.lost + cl.blocked);
        const parts = [...v.classes, ...v.checks].map((x) => x.verdict);
        expect(v.verdict === 'pass').to.equal(parts.every((p) => p === 'pass'));
        expect(JSON.parse(JSON.stringify(v))).to.deep.equal(v);
      }),
    );
  });

  it('adding a late duplicate never turns a fail into a pass', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.integer({ min: 0, max: 60_000 }), (c, pick, after) => {
        const delivered = c.history.ops.filter((o) => o.kind === 'delivered');
        fc.pre(delivered.length > 0);
        const copy = delivered[pick % delivered.length] as Op;
        const firstCopy = Math.min(
          ...delivered.filter((o) => 'id' in copy && 'id' in o && o.id === copy.id).map((o) => o.t),
        );
        const before = judge(c);
        const more: Case = {
          ...c,
          history: { ...c.history, ops: [...c.history.ops, { ...copy, t: firstCopy + after }] },
        };
        const later = judge(more);
        expect(verdictRank(later.verdict)).to.be.at.least(verdictRank(before.verdict));
        before.classes.forEach((cl, i) => {
          expect(verdictRank(later.classes[i]?.verdict ?? 'pass')).to.be.at.least(verdictRank(cl.verdict));
        });
      }),
    );
  });

  it('shifting every time (and the timeline) by a constant changes no verdict and no count', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 0, max: 100_000 }), (c, shift) => {
        const moved: Case = {
          ...c,
          history: { ...c.history, ops: c.history.ops.map((o) => ({ ...o, t: o.t + shift })) },
        };
        const a = judge(c);
        const b = judge(moved, DURATION + shift);
        const strip = (v: typeof a) => ({
          verdict: v.verdict,
          classes: v.classes.map(({ reasons: _r, findings: _f, messages: _m, ...rest }) => rest),
          checks: v.checks.map((x) => [x.check, x.verdict]),
        });
        expect(strip(b)).to.deep.equal(strip(a));
      }),
    );
  });

  it('every message delivered at once on an unbroken link passes every policy', () => {
    fc.assert(
      fc.property(
        fc.tuple(policyArb, policyArb, policyArb),
        fc.tuple(
          ...classes.map(() =>
            fc.array(fc.integer({ min: 0, max: DURATION }), { minLength: 1, maxLength: 8 }),
          ),
        ),
        checksArb,
        (policies, emits, checks) => {
          const ops: Op[] = [{ t: -100, kind: 'mqtt', board: BOARD, state: 'connected' }];
          emits.forEach((times, ci) => {
            const cls = classes[ci] as string;
            [...times]
              .sort((x, y) => x - y)
              .forEach((t, i) => {
                const id = `${cls}-${i}`;
                ops.push({ t, kind: 'emit', board: BOARD, cls, id, direction: 'up' });
                ops.push({ t, kind: 'noticed', board: BOARD, cls, id });
                ops.push({ t, kind: 'accepted', board: BOARD, id });
                ops.push({ t, kind: 'delivered', board: BOARD, cls, id, direction: 'up' });
              });
          });
          const c: Case = {
            policies: Object.fromEntries(classes.map((cl, i) => [cl, policies[i] as PolicySpec])),
            checks,
            history: {
              scenario: 'prop',
              board: BOARD,
              firmware: 'fw',
              startedAt: '2026-01-01T00:00:00Z',
              duration: DURATION,
              drain: 30_000,
              end: 0,
              ops,
            },
          };
          const v = judge(c);
          expect(v.verdict, JSON.stringify(v)).to.equal('pass');
        },
      ),
    );
  });
});
