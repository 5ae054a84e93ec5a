/**
 * What some console lines mean, shared by the session that records them and the checker and
 * timeline that read them back: a board's boot lines, and the C-level panics that end a
 * MicroPython run without a Python exception.
 */

// Anywhere in a line: a reset cuts whatever was being printed, so the ROM's and MicroPython's
// first words often follow other text on the same line.
/** The ESP ROM's reset cause: `rst:0xc (SW_CPU_RESET)` (ESP32), `rst cause:2` (ESP8266). */
export const ROM_LINE = /(?:^|[^\w:])(rst:0x[0-9a-f]+ \(|rst cause:\d)/i;
/** The ESP ROM's first words, before its reset cause: `ets Jun  8 2016 00:22:57`. */
const ETS_LINE = /(?:^|\W)ets [A-Z][a-z]{2} +\d{1,2} \d{4} \d\d:\d\d:\d\d/;
/** `MPY: soft reboot`; `PYB: soft reboot` before MicroPython 1.11. */
export const SOFT_REBOOT_LINE = /(?:MPY|PYB): soft reboot/;
/** At a line's start with a version tag, or anywhere as a whole banner (builds without a tag: `MicroPython 6c8ba4a-dirty on 2024-...`). */
export const BANNER_LINE =
  /^\W*MicroPython v\d+\.\d+|MicroPython (?:v\d+\.\d+\S*|[0-9a-f]{7,40}(?:-dirty)?) on \d{4}-\d\d-\d\d/;

/**
 * A C-level panic (ESP-IDF `abort()`, a Guru Meditation, an ESP8266 fatal exception, an IDF
 * assert or stack overflow, MicroPython's own uncaught NLR): the board dies below Python.
 */
const PANIC_LINE =
  /abort\(\) was called at PC 0x[0-9a-f]+|Guru Meditation Error|Fatal exception \(?\d+|\*\*\*ERROR\*\*\* A stack overflow|assert failed: \S|FATAL: uncaught/i;

export function isPanicLine(line: string): boolean {
  return PANIC_LINE.test(line);
}

/**
 * Does this line cut an open traceback short (its exception line will never come)? `panic`: a
 * C-level panic; `reset`: the board restarting (ROM reset line, soft reboot, banner).
 */
export function tracebackCut(line: string): 'panic' | 'reset' | undefined {
  if (PANIC_LINE.test(line)) return 'panic';
  if (ROM_LINE.test(line) || ETS_LINE.test(line) || SOFT_REBOOT_LINE.test(line) || BANNER_LINE.test(line))
    return 'reset';
  return undefined;
}
