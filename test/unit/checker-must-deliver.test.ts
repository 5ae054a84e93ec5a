import { classTable, mustDeliver } from './checker-history-builder.js';

// end 120 s (duration 90 s + drain 30 s, unless a fault ends later).
describe('checker policy must-deliver', () => {
  classTable('alarm', mustDeliver(), [
    {
      what: 'delivered late in the drain: pass, never late',
      build: (h) => h.fault(10, 60).msg('alarm', 'a-1', 12, { at: [115] }),
      expect: { verdict: 'pass', delivered: 1, late: 0 },
    },
    {
      what: 'accepted, never delivered: lost after the library accepted it',
      build: (h) => h.msg('alarm', 'a-2', 12, { accepted: 12.01 }),
      expect: { verdict: 'fail', lost: 1, blocked: 0 },
      reason:
        'alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it)',
    },
    {
      what: 'accepted while the broker had closed its connection: said, with since when',
      build: (h) => h.clientConnect(1).clientDisconnect(11).msg('alarm', 'a-2', 12, { accepted: 12.01 }),
      expect: { verdict: 'fail', lost: 1 },
      reason:
        "alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it: the broker had had no connection from the board's client since 11.00s)",
    },
    {
      what: 'accepted before the broker ever saw the client connect',
      build: (h) => h.msg('alarm', 'a-2', 12, { accepted: 12.01 }).clientConnect(20),
      expect: { verdict: 'fail', lost: 1 },
      reason:
        "alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it: the broker had not yet seen the board's client connect)",
    },
    {
      what: 'a disconnect within ε of the accept is not claimed (the line trails the act)',
      build: (h) => h.clientConnect(1).clientDisconnect(11.98).msg('alarm', 'a-2', 12, { accepted: 12.01 }),
      expect: { verdict: 'fail', lost: 1 },
      reason:
        'alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it)',
    },
    {
      what: "a takeover's disconnect of the old connection leaves the client connected",
      build: (h) =>
        h
          .clientConnect(1)
          .clientConnect(5)
          .clientDisconnect(5.001)
          .msg('alarm', 'a-2', 12, { accepted: 12.01 }),
      expect: { verdict: 'fail', lost: 1 },
      reason:
        'alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it)',
    },
    {
      what: 'never noticed: blocked',
      build: (h) => h.msg('alarm', 'b-3', 30, { noticed: null }),
      expect: { verdict: 'fail', lost: 0, blocked: 1 },
      reason: 'alarm b-3 emitted 30.00s, never noticed by the app (blocked)',
    },
    {
      what: 'noticed late then lost: the lateness shows',
      build: (h) => h.msg('alarm', 'a-1', 12, { noticed: 20, accepted: 20.01 }),
      expect: { verdict: 'fail', lost: 1 },
      reason:
        'alarm a-1 emitted 12.00s, noticed 20.00s, accepted 20.01s, never delivered (lost after the library accepted it)',
    },
    {
      what: 'lost even during an outage: nothing is excused',
      build: (h) => h.fault(10, 60).msg('alarm', 'a-1', 12, { accepted: 12 }),
      expect: { verdict: 'fail', lost: 1 },
    },
    {
      what: 'a copy after the end does not count',
      build: (h) => h.msg('alarm', 'a-1', 12, { at: [120.5] }),
      expect: { verdict: 'fail', lost: 1, delivered: 0 },
      reason: /a copy arrived at 120.50s, after the end at 120.00s/,
    },
    {
      what: 'the end moves with a fault that ends after the duration',
      build: (h) => h.fault(80, 100).msg('alarm', 'a-1', 85, { at: [129] }),
      expect: { verdict: 'pass', delivered: 1 },
    },
    {
      what: 'duplicates are allowed by default, and counted',
      build: (h) => h.msg('alarm', 'a-1', 12, { at: [12.1, 13, 14] }),
      expect: { verdict: 'pass', duplicates: 2 },
      reason: /2 duplicate copies: a-1 ×3/,
    },
    {
      what: 'serial times trailing the delivery by up to ε are simultaneous',
      build: (h) => h.msg('alarm', 'a-1', 12, { noticed: 12.05, accepted: 12.05, at: [12] }),
      expect: { verdict: 'pass' },
    },
    {
      what: 'trailing by more than ε is reported, not failed',
      build: (h) => h.msg('alarm', 'a-1', 12, { noticed: 12.051, accepted: 12.3, at: [12] }),
      expect: { verdict: 'pass' },
      reason:
        'alarm a-1 accepted 12.30s, 300ms after its delivery at 12.00s (the library returned late: a slow or lost acknowledgement)',
    },
    {
      what: 'an app noticing after the broker has the message is a clock or id problem',
      build: (h) => h.msg('alarm', 'a-1', 12, { noticed: 12.3, accepted: 12.3, at: [12] }),
      expect: { verdict: 'pass' },
      reason:
        'alarm a-1 noticed 12.30s, 300ms after its delivery at 12.00s (more than ε 50ms: clock or id problem)',
    },
    {
      what: 'an id never emitted fails',
      build: (h) => h.msg('alarm', 'a-1', 12, { at: [12.1] }).delivered(12, 'a-99', { cls: 'alarm' }),
      expect: { verdict: 'fail' },
      reason: 'alarm a-99 delivered 12.00s but was never emitted (unknown id)',
    },
  ]);

  describe('exactly-once', () => {
    classTable('alarm', mustDeliver({ exactlyOnce: true }), [
      {
        what: 'one copy passes',
        build: (h) => h.msg('alarm', 'a-1', 12, { at: [12.1] }),
        expect: { verdict: 'pass' },
      },
      {
        what: 'two copies fail',
        build: (h) => h.msg('alarm', 'a-1', 12, { at: [12.1, 30] }),
        expect: { verdict: 'fail', duplicates: 1, late: 0 },
        reason: 'alarm a-1 emitted 12.00s, delivered 12.10s, 30.00s: 2 copies (exactly-once)',
      },
    ]);
  });

  describe('ordered', () => {
    classTable('alarm', mustDeliver({ ordered: true }), [
      {
        what: 'first arrivals in emit order pass (a later duplicate does not matter)',
        build: (h) => h.msg('alarm', 'a-1', 10, { at: [10.1, 40] }).msg('alarm', 'a-2', 12, { at: [12.1] }),
        expect: { verdict: 'pass' },
      },
      {
        what: 'arrivals at the same instant are in order',
        build: (h) => h.msg('alarm', 'a-1', 10, { at: [31] }).msg('alarm', 'a-2', 12, { at: [31] }),
        expect: { verdict: 'pass' },
      },
      {
        what: 'a message that overtook an earlier one fails',
        build: (h) =>
          h
            .msg('alarm', 'a-1', 10, { at: [40] })
            .msg('alarm', 'a-2', 12, { at: [31] })
            .msg('alarm', 'a-3', 14, { at: [41] }),
        expect: { verdict: 'fail', delivered: 3 },
        reason:
          'alarm a-2 emitted 12.00s, delivered 31.00s: before a-1, emitted earlier at 10.00s and first delivered 40.00s (out of order)',
      },
    ]);
  });

  describe('down traffic (commands)', () => {
    const cmd = { direction: 'down' as const };
    classTable('command', mustDeliver(), [
      {
        what: 'received: pass; sent/received wording, no blocked',
        build: (h) => h.msg('command', 'c-1', 5, { ...cmd, seq: 1, at: [5.1] }),
        expect: { verdict: 'pass', direction: 'down', delivered: 1 },
      },
      {
        what: 'never received: lost, by the board',
        build: (h) => h.msg('command', 'c-7', 35, { ...cmd, seq: 7 }),
        expect: { verdict: 'fail', lost: 1, blocked: 0 },
        reason: 'command c-7 (seq 7) sent 35.00s, never received by the board (lost)',
      },
      {
        what: 'queued in a session a restart-clean wiped: lost at broker',
        build: (h) =>
          h
            .msg('command', 'c-7', 35, { ...cmd, seq: 7 })
            .routed(35, 'c-7', 'offline')
            .brokerForgot(40, 'c-7', 'queued in its session when the broker restarted clean'),
        expect: { verdict: 'fail', lost: 1 },
        reason:
          'command c-7 (seq 7) sent 35.00s, never received: lost at broker (queued in its session when the broker restarted clean)',
      },
      {
        what: 'held through a broker outage, then no session: the broker is blamed and the delay shown',
        build: (h) =>
          h
            .msg('command', 'c-3', 12, { ...cmd, seq: 3 })
            .routed(19.5, 'c-3', 'none', 'session-lost', true)
            .brokerForgot(19.5, 'c-3', 'the broker restarted clean and lost the session'),
        expect: { verdict: 'fail', lost: 1 },
        reason:
          'command c-3 (seq 3) sent 12.00s (the broker was down: published at 19.50s), never received: lost at broker (the broker restarted clean and lost the session)',
      },
      {
        what: 'a clean session away: the board is blamed, not the broker',
        build: (h) =>
          h.msg('command', 'c-2', 10, { ...cmd, seq: 2 }).routed(10, 'c-2', 'none', 'clean-session'),
        expect: { verdict: 'fail', lost: 1 },
        reason:
          'command c-2 (seq 2) sent 10.00s, never received: the broker dropped it: the board was away and its session is clean, so nothing is kept for it',
      },
      {
        what: 'connected without a subscription: not subscribed again',
        build: (h) =>
          h.msg('command', 'c-9', 45, { ...cmd, seq: 9 }).routed(45, 'c-9', 'none', 'not-subscribed'),
        expect: { verdict: 'fail', lost: 1 },
        reason:
          'command c-9 (seq 9) sent 45.00s, never received: the broker dropped it: the board had no subscription for it (not subscribed again after reconnecting)',
      },
      {
        what: 'queued at the broker but never collected',
        build: (h) => h.msg('command', 'c-4', 20, { ...cmd, seq: 4 }).routed(20, 'c-4', 'offline'),
        expect: { verdict: 'fail', lost: 1 },
        reason:
          "command c-4 (seq 4) sent 20.00s, never received: queued at the broker in the board's session, never collected",
      },
      {
        what: "sent to the board's connection, never received",
        build: (h) => h.msg('command', 'c-5', 25, { ...cmd, seq: 5 }).routed(25, 'c-5', 'online'),
        expect: { verdict: 'fail', lost: 1 },
        reason:
          "command c-5 (seq 5) sent 25.00s, never received by the board (lost; the broker sent it to the board's connection)",
      },
      {
        what: 'received after all: where the broker put it does not matter',
        build: (h) =>
          h
            .msg('command', 'c-6', 30, { ...cmd, seq: 6, at: [42] })
            .routed(30, 'c-6', 'offline')
            .brokerForgot(35, 'c-6'),
        expect: { verdict: 'pass', delivered: 1 },
      },
      {
        what: 'a gap report by sequence number names the outage',
        build: (h) => {
          h.fault(8, 28);
          [5, 10, 15, 20, 25].forEach((t, i) => {
            h.msg('command', `c-${i + 1}`, t, {
              ...cmd,
              seq: i + 1,
              at: i === 0 || i === 4 ? [t + 0.1] : [],
            });
          });
        },
        expect: { verdict: 'fail', lost: 3 },
        reason: 'command seq 2-4 missing (sent 10.00s-20.00s, during wifi-outage)',
      },
      {
        what: 'a gap line says "during" an outage only for the commands sent in it',
        build: (h) => {
          h.fault(12, 18);
          [5, 10, 15, 20, 25].forEach((t, i) => {
            h.msg('command', `c-${i + 1}`, t, { ...cmd, seq: i + 1, at: i === 0 ? [t + 0.1] : [] });
          });
        },
        expect: { verdict: 'fail', lost: 4 },
        reason: 'command seq 2-5 missing (sent 10.00s-25.00s, 1 of 4 during wifi-outage)',
      },
      {
        what: 'an outage between two sends, neither in it, is not "during"',
        build: (h) => {
          h.fault(12, 18);
          h.msg('command', 'c-1', 10, { ...cmd, seq: 1 });
          h.msg('command', 'c-2', 20, { ...cmd, seq: 2 });
        },
        expect: { verdict: 'fail', lost: 2 },
        reason: 'command seq 1-2 missing (sent 10.00s-20.00s, with the link up)',
      },
      {
        what: 'the gap report says when the broker lost them',
        build: (h) =>
          h
            .msg('command', 'c-1', 10, { ...cmd, seq: 1 })
            .brokerForgot(10, 'c-1')
            .msg('command', 'c-2', 15, { ...cmd, seq: 2, at: [15.1] }),
        expect: { verdict: 'fail', lost: 1 },
        reason: 'command seq 1 missing (sent 10.00s, with the link up); lost at broker',
      },
      {
        what: 'duplicates are named by sequence number',
        build: (h) =>
          h
            .msg('command', 'c-3', 15, { ...cmd, seq: 3, at: [15.1] })
            .msg('command', 'c-4', 20, { ...cmd, seq: 4, at: [28.51, 28.6] }),
        expect: { verdict: 'pass', duplicates: 1 },
        reason: 'command seq 4 received 2 times (28.51s, 28.60s)',
      },
      {
        what: 'arrivals against sequence order are reported, within an epoch only',
        build: (h) =>
          h
            .msg('command', 'c-5', 20, { ...cmd, seq: 5, epoch: 1, at: [28.61] })
            .msg('command', 'c-6', 25, { ...cmd, seq: 6, epoch: 1, at: [28.5] })
            .msg('command', 'c-7', 30, { ...cmd, seq: 1, epoch: 2, at: [28.4] }),
        expect: { verdict: 'pass' },
        reason: 'command seq 6 of epoch 1 received 28.50s, before seq 5 (28.61s): out of order',
      },
      {
        what: 'a mixed range counts each fate',
        build: (h) => {
          h.fault(8, 28);
          h.msg('command', 'c-1', 10, { ...cmd, seq: 1 }).routed(10, 'c-1', 'none', 'clean-session');
          h.msg('command', 'c-2', 15, { ...cmd, seq: 2 }).routed(15, 'c-2', 'none', 'clean-session');
          h.msg('command', 'c-3', 20, { ...cmd, seq: 3 }).routed(20, 'c-3', 'online');
        },
        expect: { verdict: 'fail', lost: 3 },
        reason:
          'command seq 1-3 missing (sent 10.00s-20.00s, during wifi-outage); 2 clean session: nothing kept, 1 sent to its connection',
      },
    ]);
  });
});
