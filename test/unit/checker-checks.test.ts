import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { busiestMinute } from '../../harness/checker/checks/reconnect-budget.js';
import type { CheckName, Verdict } from '../../harness/checker/verdict.js';
import type { CheckSpec } from '../../harness/spec/types.js';
import { type HistoryBuilder, history, scenario } from './checker-history-builder.js';

interface Row {
  what: string;
  build: (h: HistoryBuilder) => unknown;
  verdict: Verdict;
  reason?: string | RegExp;
}

function table(spec: CheckSpec | 'no-hang', rows: Row[]): void {
  const name: CheckName = spec === 'no-hang' ? spec : spec.check;
  for (const row of rows) {
    it(`${row.what}: ${row.verdict}`, () => {
      const h = history().mqtt(-2, 'connected').serial(-1, 'ready');
      row.build(h);
      const v = check(h.build(), scenario({}, { checks: spec === 'no-hang' ? [] : [spec] }));
      const c = v.checks.find((x) => x.check === name);
      expect(c?.verdict, JSON.stringify(c?.reasons)).to.equal(row.verdict);
      const want = row.reason;
      if (typeof want === 'string') expect(c?.reasons).to.include(want);
      else if (want)
        expect(
          c?.reasons.some((r) => want.test(r)),
          JSON.stringify(c?.reasons),
        ).to.equal(true);
    });
  }
}

describe('checker health checks', () => {
  describe('no-reboot', () => {
    table({ check: 'no-reboot' }, [
      {
        what: 'boots during setup (before t = 0) are fine',
        build: (h) => h.boot(-5).boot(-4, 'hello'),
        verdict: 'pass',
      },
      {
        what: 'a banner and a hello during the run: one reboot, one line',
        build: (h) => h.boot(34.5).boot(35, 'hello').mqtt(37, 'connected'),
        verdict: 'fail',
        reason:
          'rebooted at 34.50s (boot banner "MicroPython v1.24.0 on 2024-10-25") without a scheduled reboot',
      },
      {
        what: 'two reboots, two lines',
        build: (h) => h.boot(20, 'rom', 'rst:0xc (SW_CPU_RESET)').mqtt(22, 'connected').boot(40, 'hello'),
        verdict: 'fail',
        reason: 'rebooted at 40.00s (agent hello) without a scheduled reboot',
      },
      { what: 'the boot of a scheduled reboot is expected', build: (h) => h.reboot(30, 36), verdict: 'pass' },
    ]);
  });

  describe('no-traceback', () => {
    table({ check: 'no-traceback' }, [
      { what: 'a clean console', build: (h) => h.serial(10, 'hello from main.py'), verdict: 'pass' },
      {
        what: 'a traceback names its error',
        build: (h) => h.traceback(31.2, 'IndexError: list index out of range'),
        verdict: 'fail',
        reason: 'Traceback at 31.20s: IndexError: list index out of range',
      },
      {
        what: 'a traceback cut short by a C-level panic: its exception missing, the panic named as such',
        build: (h) =>
          h
            .push({
              t: 31_200,
              kind: 'traceback',
              board: 'b1',
              line: '  File "main.py", line 42, in loop',
              cut: 'abort() was called at PC 0x400d2f0b on core 1',
            })
            .serial(31.3, 'Backtrace: 0x40083c2d:0x3ffb1e50'),
        verdict: 'fail',
        reason:
          'Traceback at 31.20s, its exception line missing: cut short by a C-level panic: abort() was called at PC 0x400d2f0b on core 1',
      },
      {
        what: 'a bare traceback header followed by a reset: the reset line is never the exception',
        build: (h) =>
          h
            .push({ t: 31_200, kind: 'traceback', board: 'b1', line: 'Traceback (most recent call last):' })
            .serial(31.2, 'ets Jun  8 2016 00:22:57')
            .serial(31.2, 'rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)')
            .serial(31.3, 'MicroPython v1.24.1 on 2024-11-29; ESP32 module with ESP32'),
        verdict: 'fail',
        reason:
          'Traceback at 31.20s, its exception line missing: cut short by a reset: ets Jun  8 2016 00:22:57',
      },
      {
        what: 'a traceback during setup (Ctrl-C) is not the firmware’s',
        build: (h) => h.traceback(-1, 'KeyboardInterrupt'),
        verdict: 'pass',
      },
    ]);
  });

  describe('reconnects-within 10 s', () => {
    table({ check: 'reconnects-within', within: 10_000 }, [
      { what: 'no outage', build: () => undefined, verdict: 'pass', reason: 'no outage in this scenario' },
      {
        what: 'reconnected exactly 10 s after the outage',
        build: (h) => h.fault(8, 28).mqtt(9, 'disconnected').mqtt(38, 'connected'),
        verdict: 'pass',
        reason: 'slowest reconnect 10.00s after the wifi-outage ended at 28.00s',
      },
      {
        what: 'reconnected 1 ms too late',
        build: (h) => h.fault(8, 28).mqtt(9, 'disconnected').mqtt(38.001, 'connected'),
        verdict: 'fail',
        reason: 'reconnected at 38.00s, after the wifi-outage ended at 28.00s: 10.001s > 10s',
      },
      {
        what: 'a connect inside the outage that broke again does not count',
        build: (h) =>
          h
            .fault(8, 28)
            .mqtt(9, 'disconnected')
            .mqtt(10, 'connected')
            .mqtt(12, 'disconnected')
            .mqtt(40, 'connected'),
        verdict: 'fail',
        reason: 'reconnected at 40.00s, after the wifi-outage ended at 28.00s: 12.00s > 10s',
      },
      {
        what: 'never reconnected',
        build: (h) => h.fault(8, 28).mqtt(9, 'disconnected'),
        verdict: 'fail',
        reason: 'never reconnected after the wifi-outage ended at 28.00s',
      },
      {
        what: 'a connection nobody saw break needs no reconnect',
        build: (h) => h.fault(8, 9),
        verdict: 'pass',
        reason: 'the connection survived the wifi-outage at 8.00s-9.00s',
      },
      {
        what: 'the broker saw it go away: a reconnect is due',
        build: (h) => h.fault(8, 28).clientDisconnect(28),
        verdict: 'fail',
        reason: 'never reconnected after the wifi-outage ended at 28.00s',
      },
      {
        what: 'each outage is judged',
        build: (h) =>
          h
            .fault(8, 28)
            .mqtt(9, 'disconnected')
            .mqtt(29, 'connected')
            .fault(50, 60)
            .mqtt(51, 'disconnected')
            .mqtt(75, 'connected'),
        verdict: 'fail',
        reason: /after the wifi-outage ended at 60.00s: 15.00s > 10s/,
      },
      {
        what: 'a reboot that never reconnects',
        build: (h) => h.reboot(30, null),
        verdict: 'fail',
        reason: 'never reconnected after the reboot at 30.00s',
      },
      {
        what: 'an outage that never ended cannot be judged',
        build: (h) => h.fault(8, undefined),
        verdict: 'error',
        reason: /never ended: the reconnect cannot be judged/,
      },
    ]);
  });

  describe('reconnect-budget 6/min', () => {
    const attempts = (h: HistoryBuilder, from: number, every: number, n: number) => {
      for (let i = 0; i < n; i++) h.mqtt(from + i * every, 'connecting');
    };
    table({ check: 'reconnect-budget', perMinute: 6 }, [
      {
        what: '6 attempts in a 20 s outage',
        build: (h) => {
          h.fault(8, 28);
          attempts(h, 9, 3, 6);
        },
        verdict: 'pass',
        reason: 'at most 6 connection attempts in a minute while the network was down, budget 6/min',
      },
      {
        what: '10 attempts every 2 s (umqtt.robust)',
        build: (h) => {
          h.fault(8, 28);
          attempts(h, 8, 2, 10);
        },
        verdict: 'fail',
        reason:
          '10 connection attempts within one minute while the network was down (8.00s-26.00s), budget 6/min',
      },
      {
        what: 'attempts after the outage do not count',
        build: (h) => {
          h.fault(8, 28);
          attempts(h, 28, 1, 10);
        },
        verdict: 'pass',
      },
      {
        what: 'a long outage: 7 attempts spread over 70 s stay within any minute',
        build: (h) => {
          h.fault(0, 80);
          attempts(h, 1, 10, 7);
        },
        verdict: 'pass',
      },
    ]);

    it('counts the busiest window of one minute, end excluded', () => {
      expect(busiestMinute([0, 59_999, 60_000]).count).to.equal(2);
      expect(busiestMinute([0, 10, 20, 70_000]).count).to.equal(3);
      expect(busiestMinute([]).count).to.equal(0);
    });
  });

  describe('no-hang (the watchdog, always judged)', () => {
    table('no-hang', [
      { what: 'a board that kept answering', build: (h) => h.serial(50, 'tick'), verdict: 'pass' },
      {
        what: 'a hung board',
        build: (h) => h.hung(41, 10),
        verdict: 'fail',
        reason: 'silent on serial since 31.00s (last line), given up at 41.00s: hung',
      },
    ]);
  });
});
