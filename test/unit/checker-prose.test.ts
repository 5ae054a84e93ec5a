import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import type { Finding } from '../../harness/checker/findings.js';
import type { Message } from '../../harness/checker/messages.js';
import { messageText, prose, proseOf } from '../../harness/checker/prose.js';
import { history, mustDeliver, retryWithin, scenario } from './checker-history-builder.js';

const msg = (over: Partial<Message> = {}): Message => ({
  id: 'b-1',
  cls: 'button',
  direction: 'up',
  emit: 10_020,
  copies: [],
  afterEnd: [],
  ...over,
});

describe('checker prose: findings → text', () => {
  const cases: Array<[string, Finding, string]> = [
    [
      'a stale delivery',
      {
        kind: 'misdelivered',
        level: 'fail',
        message: msg({ noticed: 27_000, copies: [27_400] }),
        noticedLate: true,
        faults: ['wifi-outage'],
        problems: [{ kind: 'stale', copy: 27_400, age: 17_380, within: 15_000, first: true }],
      },
      'button b-1 emitted 10.02s, noticed 27.00s, delivered 27.40s: 17.38s > 15s (stale)',
    ],
    [
      'two problems on one line, a knife edge shown to the ms',
      {
        kind: 'misdelivered',
        level: 'fail',
        message: msg({ emit: 0, copies: [15_001, 15_200] }),
        noticedLate: false,
        faults: [],
        problems: [
          { kind: 'stale', copy: 15_001, age: 15_001, within: 15_000, first: true },
          { kind: 'copies', copies: 2, rule: 'duplicates forbidden' },
        ],
      },
      'button b-1 emitted 0.00s, delivered 15.00s, 15.20s: 15.001s > 15s (stale); 2 copies (duplicates forbidden)',
    ],
    [
      'a command the broker had nowhere to put',
      {
        kind: 'undelivered',
        level: 'fail',
        message: msg({ id: 'c-7', cls: 'command', direction: 'down', seq: 7, emit: 12_000 }),
        noticedLate: false,
        faults: [],
        outcome: 'lost',
        command: { at: 'no-route', why: 'clean-session' },
        end: 120_000,
      },
      'command c-7 (seq 7) sent 12.00s, never received: the broker dropped it: the board was away and its session is clean, so nothing is kept for it',
    ],
    [
      'a loss on a settled link, with a copy after the end',
      {
        kind: 'undelivered',
        level: 'fail',
        message: msg({ emit: 40_000, noticed: 40_000, accepted: 40_010, afterEnd: [120_004] }),
        noticedLate: false,
        faults: [],
        outcome: 'lost',
        end: 120_000,
        upSince: 30_000,
      },
      'button b-1 emitted 40.00s on a settled link (up since 30.00s), accepted 40.01s, never delivered (lost after the library accepted it); a copy arrived at 120.004s, after the end at 120.00s',
    ],
    [
      'excused losses under retry-within',
      { kind: 'excused', level: 'info', ids: ['t-5', 't-6'], settle: 5000, within: 15_000 },
      '2 not delivered, the link never up 5s within 15s (allowed): t-5, t-6',
    ],
    [
      'a mixed gap in a command sequence',
      {
        kind: 'seq-gap',
        level: 'info',
        cls: 'command',
        from: 7,
        to: 9,
        sent: { from: 10_000, to: 20_000 },
        faults: ['wifi-outage'],
        messages: [
          { id: 'c-7', seq: 7, command: { at: 'broker', why: 'restart-clean' } },
          { id: 'c-8', seq: 8, command: { at: 'broker', why: 'restart-clean' } },
          { id: 'c-9', seq: 9, command: { at: 'no-route', why: 'not-subscribed' } },
        ],
      },
      'command seq 7-9 missing (sent 10.00s-20.00s, during wifi-outage); 2 lost at broker, 1 not subscribed',
    ],
    [
      'a late reconnect',
      {
        kind: 'reconnected-late',
        level: 'fail',
        faults: ['wifi-outage'],
        end: 28_000,
        back: 40_500,
        within: 10_000,
      },
      'reconnected at 40.50s, after the wifi-outage ended at 28.00s: 12.50s > 10s',
    ],
    [
      'a board that never got ready',
      { kind: 'not-ready', level: 'error', board: 'picow-01', why: 'no hello within 10s' },
      'board picow-01 never got ready: no hello within 10s',
    ],
    [
      'a reset loop',
      { kind: 'hung', level: 'fail', t: 62_590, silentMs: 35_030, boots: 9 },
      'no answer since 27.56s, only 9 boots, given up at 62.59s: a reset loop',
    ],
    [
      'a board whose agent never came back after a reboot',
      { kind: 'hung', level: 'fail', t: 62_590, silentMs: 35_030, boots: 1 },
      'no answer since 27.56s: it rebooted and its agent never spoke, given up at 62.59s: hung',
    ],
    [
      'a board that went around its proxy',
      { kind: 'off-proxy', level: 'error', board: 'b1', proxy: '127.0.0.1:21001', from: '127.0.0.1:40112' },
      'board b1 connects to the broker directly, not through its proxy at 127.0.0.1:21001 (the broker saw it come from 127.0.0.1:40112): no proxy fault could act on it',
    ],
  ];
  for (const [what, finding, text] of cases) {
    it(`words ${what}`, () => {
      expect(prose(finding)).to.equal(text);
    });
  }

  it('is what every reason of a real verdict says, line for line', () => {
    const h = history()
      .fault(8, 28)
      .msg('button', 'b-1', 10, { at: [27.4, 30] })
      .msg('alarm', 'a-1', 40, { accepted: null })
      .delivered(50, 'ghost', { cls: 'alarm' })
      .push({ t: 60_000, kind: 'hung', board: 'b1', silentMs: 5000 });
    const v = check(
      h.build(),
      scenario({ button: retryWithin(15_000, { duplicates: 'forbidden' }), alarm: mustDeliver() }),
    );
    expect(v.verdict).to.equal('fail');
    for (const part of [v, ...v.classes, ...v.checks])
      expect(part.reasons).to.deep.equal(proseOf(part.findings));
    expect(v.classes.flatMap((c) => c.findings.map((f) => [f.kind, f.level]))).to.deep.equal([
      ['misdelivered', 'fail'],
      ['duplicates', 'info'],
      ['undelivered', 'fail'],
      ['unknown-id', 'fail'],
    ]);
    expect(v.checks.find((c) => c.check === 'no-hang')?.findings).to.deep.equal([
      { kind: 'hung', level: 'fail', t: 60_000, silentMs: 5000 },
    ]);
  });

  it('tells a message story for a tooltip', () => {
    expect(
      messageText('button', {
        id: 'b-1',
        direction: 'up',
        t: 10_000,
        noticed: 28_500,
        copies: [28_600],
        deadline: 25_000,
        outcome: 'late',
        blamed: true,
      }),
    ).to.equal('button b-1: emitted 10.00s, noticed 28.50s, delivered 28.60s, deadline 25.00s: late (stale)');
  });
});
