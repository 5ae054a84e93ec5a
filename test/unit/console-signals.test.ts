import { expect } from 'chai';
import { bootSignal } from '../../harness/board/console-signals.js';

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
