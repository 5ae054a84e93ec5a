import { expect } from 'chai';
import { bootSignal, type Traceback, TracebackCollector } from '../../harness/board/console-signals.js';

describe('boot lines as real ports print them', () => {
  const table: Array<[string, string | undefined]> = [
    ['MPY: soft reboot', 'banner'],
    ['PYB: soft reboot', 'banner'],
    ['sending 12 bytesMPY: soft reboot', 'banner'],
    ['MicroPython v1.22.0 on 2024-01-05; ESP32 module with ESP32', 'banner'],
    ['MicroPython 6c8ba4a-dirty on 2024-03-01; linux [GCC 12.2.0] version', 'banner'],
    ['>>> MicroPython 6c8ba4a on 2024-03-01; Raspberry Pi Pico W with RP2040', 'banner'],
    ['rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)', 'rom'],
    ['publishing t-12 ets Jun  8 2016 00:22:57 rst:0xc (SW_CPU_RESET),boot:0x13', 'rom'],
    ['abc rst cause:2, boot mode:(3,6)', 'rom'],
    ['app: running on MicroPython, all fine', undefined],
    ['first:0x1 (x)', undefined],
  ];
  for (const [line, reason] of table) {
    it(`${JSON.stringify(line)} → ${reason ?? 'no boot'}`, () => {
      expect(bootSignal(line)?.reason).to.equal(reason);
    });
  }
});

describe('tracebacks as boards print them', () => {
  const collect = (lines: string[]): Traceback[] => {
    const c = new TracebackCollector();
    return lines.flatMap((l, i) => c.push(i, l));
  };

  it('ends at its exception line', () => {
    const [tb] = collect([
      'Traceback (most recent call last):',
      '  File "main.py", line 42, in <module>',
      'OSError: [Errno 113] EHOSTUNREACH',
    ]);
    expect(tb?.error).to.equal('OSError: [Errno 113] EHOSTUNREACH');
    expect(tb?.cut).to.equal(undefined);
  });

  it('cut short by a C-level panic: no exception, the panic line kept as what cut it', () => {
    for (const panic of [
      'abort() was called at PC 0x400d2f0b on core 1',
      "Guru Meditation Error: Core  1 panic'ed (LoadProhibited). Exception was unhandled.",
      'Fatal exception 28(LoadProhibitedCause):',
      'assert failed: xQueueGenericSend queue.c:832 (pxQueue)',
    ]) {
      const [tb] = collect([
        'Traceback (most recent call last):',
        '  File "main.py", line 42, in <module>',
        panic,
      ]);
      expect(tb?.error, panic).to.equal('');
      expect(tb?.cut, panic).to.equal(panic);
      expect(tb?.lines, panic).to.deep.equal([
        'Traceback (most recent call last):',
        '  File "main.py", line 42, in <module>',
      ]);
    }
  });

  it('cut short by a reset inside a frame line: the ROM line is not a frame, nor the exception', () => {
    const tbs = collect([
      'Traceback (most recent call last):',
      '  File "main.py", line 4ets Jun  8 2016 00:22:57 rst:0xc (SW_CPU_RESET),boot:0x13',
      'MicroPython v1.24.1 on 2024-11-29; ESP32 module with ESP32',
    ]);
    expect(tbs).to.have.length(1);
    expect(tbs[0]?.error).to.equal('');
    expect(tbs[0]?.cut).to.match(/rst:0xc \(SW_CPU_RESET\)/);
  });
});
