import { classTable, retryWithin } from './checker-history-builder.js';

// D = 15 s, settle 5 s, ε 50 ms, end 120 s.
describe('checker policy retry-within', () => {
  classTable('button', retryWithin(15_000), [
    {
      what: 'delivered exactly at D: in time',
      build: (h) => h.msg('button', 'b-1', 10, { at: [25] }),
      expect: { verdict: 'pass', emitted: 1, delivered: 1, late: 0 },
    },
    {
      what: 'delivered 1 ms after D: stale',
      build: (h) => h.msg('button', 'b-1', 10, { at: [25.001] }),
      expect: { verdict: 'fail', delivered: 1, late: 1 },
      reason: 'button b-1 emitted 10.00s, delivered 25.00s: 15.001s > 15s (stale)',
    },
    {
      what: 'stale delivery of a firmware that noticed late says when it noticed',
      build: (h) => h.msg('button', 'sim-robust-button-1', 10.02, { noticed: 26, at: [27.4] }),
      expect: { verdict: 'fail', late: 1 },
      reason:
        'button sim-robust-button-1 emitted 10.02s, noticed 26.00s, delivered 27.40s: 17.38s > 15s (stale)',
    },
    {
      what: 'never delivered on an up link: lost although the link was settled',
      build: (h) => h.msg('button', 'b-1', 10, { accepted: 10.01 }),
      expect: { verdict: 'fail', lost: 1, blocked: 0, delivered: 0 },
      reason:
        'button b-1 emitted 10.00s on a settled link (up since 0.00s), accepted 10.01s, never delivered (lost after the library accepted it)',
    },
    {
      what: 'never delivered, link down for the whole window: excused',
      build: (h) => h.fault(8, 30).msg('button', 'b-1', 10, { noticed: null }),
      expect: { verdict: 'pass', blocked: 1, lost: 0 },
      reason: /1 not delivered, the link never up 5s within 15s \(allowed\): b-1/,
    },
    {
      // 29512.454 + 5000 - 29512.454 < 5000 in doubles: a float must not excuse a loss.
      what: 'an outage end whose sum with settle rounds down in floating point still settles',
      build: (h) => h.fault(9.517544, 29.512454).msg('button', 'b-1', 20.003641, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
      reason: /the link was settled at 34\.51s, within 15s of the emit/,
    },
    {
      what: 'delivered exactly at D after a float-noisy emit: in time',
      build: (h) => h.msg('button', 'b-1', 12.00364, { at: [27.00364] }),
      expect: { verdict: 'pass', late: 0 },
    },
    {
      what: 'outage ending exactly settle before the deadline: the link settled in time, the loss fails',
      build: (h) => h.fault(8, 20).msg('button', 'b-1', 10, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
      reason:
        'button b-1 emitted 10.00s, never noticed by the app (blocked); the link was settled at 25.00s, within 15s of the emit',
    },
    {
      what: 'outage ending 1 ms later (settle − 1 ms before the deadline): excused',
      build: (h) => h.fault(8, 20.001).msg('button', 'b-1', 10, { noticed: null }),
      expect: { verdict: 'pass', blocked: 1 },
    },
    {
      what: 'a duplicate inside D: allowed, counted',
      build: (h) => h.msg('button', 'b-1', 10, { at: [10.1, 20] }),
      expect: { verdict: 'pass', delivered: 1, duplicates: 1, late: 0 },
      reason: /1 duplicate copy: b-1 ×2/,
    },
    {
      what: 'a duplicate outside D: a stale copy fails',
      build: (h) => h.msg('button', 'b-1', 10, { at: [10.1, 27.4] }),
      expect: { verdict: 'fail', delivered: 1, duplicates: 1, late: 1 },
      reason: 'button b-1 emitted 10.00s, delivered 10.10s, 27.40s: 17.40s > 15s (stale copy)',
    },
    {
      what: 'an emit during a fault of another board is judged on this board’s link',
      build: (h) =>
        h
          .other('b2', (o) => o.fault(8, 30).mqtt(31, 'connected'))
          .msg('button', 'b-1', 10, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
    },
    {
      what: 'a copy exactly at the end counts',
      build: (h) => h.msg('button', 'b-1', 110, { at: [120] }),
      expect: { verdict: 'pass', delivered: 1, lost: 0 },
    },
    {
      what: 'a copy 1 ms after the end (inside D) does not count: lost',
      build: (h) => h.msg('button', 'b-1', 110, { at: [120.001] }),
      expect: { verdict: 'fail', delivered: 0, lost: 1, late: 0, emitted: 1 },
      reason:
        'button b-1 emitted 110.00s on a settled link (up since 0.00s), accepted 110.00s, never delivered (lost after the library accepted it); a copy arrived at 120.001s, after the end at 120.00s',
    },
    {
      what: 'a reboot in the window keeps the link down until the reconnect',
      build: (h) => h.reboot(9, 22).msg('button', 'b-1', 10, { noticed: null }),
      expect: { verdict: 'pass', blocked: 1 },
    },
    {
      what: 'a reboot that reconnects early leaves time to settle: the loss fails',
      build: (h) => h.reboot(9, 12).msg('button', 'b-1', 10, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
      reason: /the link was settled at 17.00s/,
    },
  ]);

  describe('with duplicates forbidden', () => {
    classTable('button', retryWithin(15_000, { duplicates: 'forbidden' }), [
      {
        what: 'one copy passes',
        build: (h) => h.msg('button', 'b-1', 10, { at: [10.1] }),
        expect: { verdict: 'pass', duplicates: 0 },
      },
      {
        what: 'a second copy inside D fails',
        build: (h) => h.msg('button', 'b-1', 10, { at: [10.1, 12] }),
        expect: { verdict: 'fail', duplicates: 1, late: 0 },
        reason: 'button b-1 emitted 10.00s, delivered 10.10s, 12.00s: 2 copies (duplicates forbidden)',
      },
      {
        what: 'a second copy outside D: one line with both problems',
        build: (h) => h.msg('button', 'b-1', 10, { at: [10.1, 26] }),
        expect: { verdict: 'fail', duplicates: 1, late: 1 },
        reason:
          'button b-1 emitted 10.00s, delivered 10.10s, 26.00s: 16.00s > 15s (stale copy); 2 copies (duplicates forbidden)',
      },
    ]);
  });

  describe('with a settle override', () => {
    classTable('button', retryWithin(15_000, { settle: 10_000 }), [
      {
        what: 'settle 10 s: an outage ending 6 s before the deadline excuses the loss',
        build: (h) => h.fault(8, 19).msg('button', 'b-1', 10, { noticed: null }),
        expect: { verdict: 'pass', blocked: 1 },
      },
    ]);
  });
});
