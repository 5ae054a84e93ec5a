import { classTable, drop } from './checker-history-builder.js';

// settle 5 s, ε 50 ms, end 120 s; a wifi-outage from 20 s to 30 s where a row adds one.
describe('checker policy drop', () => {
  classTable('telemetry', drop(), [
    {
      what: 'delivered on a settled link: pass, latency counted',
      build: (h) => h.msg('telemetry', 't-1', 10, { at: [10.2] }),
      expect: { verdict: 'pass', emitted: 1, delivered: 1, late: 0 },
    },
    {
      what: 'lost on a settled link: fails, blocked when the app never noticed it',
      build: (h) => h.msg('telemetry', 't-1', 10, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1, lost: 0 },
      reason:
        'telemetry t-1 emitted 10.00s on a settled link (up since 0.00s), never noticed by the app (blocked)',
    },
    {
      what: 'noticed but never accepted by the library: blocked',
      build: (h) => h.msg('telemetry', 't-1', 10, { accepted: null }),
      expect: { verdict: 'fail', blocked: 1 },
      reason:
        'telemetry t-1 emitted 10.00s on a settled link (up since 0.00s), noticed 10.00s, never accepted by the library (blocked)',
    },
    {
      what: 'noticed, then the board hung inside publish(): not "never accepted by the library"',
      build: (h) => h.msg('telemetry', 't-1', 10, { accepted: null }).hung(45, 34.9),
      expect: { verdict: 'fail', blocked: 1 },
      reason:
        'telemetry t-1 emitted 10.00s on a settled link (up since 0.00s), noticed 10.00s, then the board hung (silent since 10.10s, given up at 45.00s): publish() never returned (blocked)',
    },
    {
      what: 'dropped by the app on purpose: blocked, with its reason',
      build: (h) => h.msg('telemetry', 't-1', 10, { accepted: null }).dropped(10.5, 't-1', 'queue full'),
      expect: { verdict: 'fail', blocked: 1 },
      reason: /noticed 10.00s, dropped by the app at 10.50s \(queue full\) \(blocked\)/,
    },
    {
      what: 'lost during an outage: allowed',
      build: (h) => h.fault(20, 30).msg('telemetry', 't-1', 25, { accepted: 25 }),
      expect: { verdict: 'pass', lost: 1 },
      reason: /1 not delivered, emitted while the link was down or up less than 5s \(allowed\): t-1/,
    },
    {
      what: 'emitted exactly ε before the outage: before it, must arrive',
      build: (h) => h.fault(20, 30).msg('telemetry', 't-1', 19.95, { accepted: 19.95 }),
      expect: { verdict: 'fail', lost: 1 },
    },
    {
      what: 'emitted less than ε before the outage: counts as during it',
      build: (h) => h.fault(20, 30).msg('telemetry', 't-1', 19.951, { accepted: 19.951 }),
      expect: { verdict: 'pass', lost: 1 },
    },
    {
      what: 'emitted exactly settle after the outage: must arrive',
      build: (h) => h.fault(20, 30).msg('telemetry', 't-1', 35, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
      reason:
        'telemetry t-1 emitted 35.00s on a settled link (up since 30.00s), never noticed by the app (blocked)',
    },
    {
      what: 'emitted 1 ms before the link settles: allowed',
      build: (h) => h.fault(20, 30).msg('telemetry', 't-1', 34.999, { noticed: null }),
      expect: { verdict: 'pass', blocked: 1 },
    },
    {
      what: 'emitted before t = settle: the link has not been up long enough',
      build: (h) => h.msg('telemetry', 't-1', 4.999, { noticed: null }),
      expect: { verdict: 'pass', blocked: 1 },
    },
    {
      what: 'emitted at t = settle: settled',
      build: (h) => h.msg('telemetry', 't-1', 5, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
    },
    {
      what: 'a fault on another board excuses nothing here',
      build: (h) => h.other('b2', (o) => o.fault(20, 30)).msg('telemetry', 't-1', 25, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
    },
    {
      what: 'a degradation leaves the link up: a slow link excuses nothing',
      build: (h) => h.fault(20, 30, 'latency', false).msg('telemetry', 't-1', 25, { accepted: 25 }),
      expect: { verdict: 'fail', lost: 1 },
    },
    {
      what: 'a scheduled reboot keeps the link down until the reconnect',
      build: (h) => h.reboot(20, 26).msg('telemetry', 't-1', 30.999, { noticed: null }),
      expect: { verdict: 'pass', blocked: 1 },
    },
    {
      what: 'settle after the reconnect of a reboot, a loss fails',
      build: (h) => h.reboot(20, 26).msg('telemetry', 't-1', 31, { noticed: null }),
      expect: { verdict: 'fail', blocked: 1 },
    },
    {
      what: 'a late delivery without max-age passes',
      build: (h) => h.msg('telemetry', 't-1', 10, { at: [100] }),
      expect: { verdict: 'pass', late: 0 },
    },
    {
      what: 'an id never emitted fails the class',
      build: (h) => h.msg('telemetry', 't-1', 10, { at: [10.1] }).delivered(12, 'x-9', { cls: 'telemetry' }),
      expect: { verdict: 'fail', emitted: 1, delivered: 1 },
      reason: 'telemetry x-9 delivered 12.00s but was never emitted (unknown id)',
    },
  ]);

  describe('with max-age 30 s', () => {
    classTable('telemetry', drop({ maxAge: 30_000 }), [
      {
        what: 'a copy exactly max-age after its emit passes',
        build: (h) => h.msg('telemetry', 't-1', 10, { at: [40] }),
        expect: { verdict: 'pass', late: 0 },
      },
      {
        what: 'a copy 1 ms older fails',
        build: (h) => h.msg('telemetry', 't-4', 10, { at: [40.001] }),
        expect: { verdict: 'fail', late: 1, delivered: 1 },
        reason: 'telemetry t-4 emitted 10.00s, delivered 40.00s: 30.001s > max-age 30s (too old)',
      },
      {
        what: 'a late duplicate of a prompt message fails too',
        build: (h) => h.msg('telemetry', 't-4', 8, { at: [8.1, 45] }),
        expect: { verdict: 'fail', late: 1, duplicates: 1 },
        reason: 'telemetry t-4 emitted 8.00s, delivered 8.10s, 45.00s: 37.00s > max-age 30s (too old)',
      },
    ]);
  });

  describe('with a settle override', () => {
    classTable('telemetry', drop({ settle: 1000 }), [
      {
        what: 'settle 1 s: lost 1 s after the outage fails',
        build: (h) => h.fault(20, 30).msg('telemetry', 't-1', 31, { noticed: null }),
        expect: { verdict: 'fail', blocked: 1 },
      },
    ]);
  });
});
