/** What a board's console says about its own state, read from plain (non-protocol) lines. */

export type BootReason = 'hello' | 'banner' | 'rom';

/**
 * How far a boot has got when this line prints: the ESP ROM speaks first, then MicroPython
 * (`MPY: soft reboot` on a soft reset, its banner when the REPL starts), then the agent's hello.
 * A signal at a later stage than the previous one belongs to the same boot.
 */
export interface BootSignal {
  reason: BootReason;
  stage: 1 | 2 | 3 | 4;
}

// Anywhere in a line: a reset cuts whatever was being printed, so the ROM's and MicroPython's
// first words often follow other text on the same line.
const ROM = /(?:^|[^\w:])(rst:0x[0-9a-f]+ \(|rst cause:\d)/i;
/** `MPY: soft reboot`; `PYB: soft reboot` before MicroPython 1.11. */
const SOFT = /(?:MPY|PYB): soft reboot/;
/** At a line's start with a version tag, or anywhere as a whole banner (builds without a tag: `MicroPython 6c8ba4a-dirty on 2024-...`). */
const BANNER =
  /^\W*MicroPython v\d+\.\d+|MicroPython (?:v\d+\.\d+\S*|[0-9a-f]{7,40}(?:-dirty)?) on \d{4}-\d\d-\d\d/;

export function bootSignal(line: string): BootSignal | undefined {
  if (ROM.test(line)) return { reason: 'rom', stage: 1 };
  if (SOFT.test(line)) return { reason: 'banner', stage: 2 };
  if (BANNER.test(line)) return { reason: 'banner', stage: 3 };
  return undefined;
}

export const HELLO_STAGE = 4;

/** A Python traceback as printed on the console. */
export interface Traceback {
  /** When its header line arrived. */
  t: number;
  /** Header, frames and the error line. */
  lines: string[];
  /** The last line, e.g. `IndexError: list index out of range` ('' if it never came). */
  error: string;
}

const HEADER = 'Traceback (most recent call last):';
/** A board printing frames forever must not grow memory. */
const MAX_FRAMES = 64;

/**
 * Collects `Traceback (most recent call last):` and the indented frame lines after it,
 * until the first unindented line: the error.
 */
export class TracebackCollector {
  private current: Traceback | undefined;

  /** Feeds one console line; returns the tracebacks it finished. */
  push(t: number, line: string): Traceback[] {
    const done: Traceback[] = [];
    if (line.includes(HEADER)) {
      const open = this.flush();
      if (open) done.push(open);
      this.current = { t, lines: [line], error: '' };
      return done;
    }
    const tb = this.current;
    if (!tb) return done;
    tb.lines.push(line);
    if (!/^\s/.test(line) || tb.lines.length >= MAX_FRAMES) {
      tb.error = line.trim();
      this.current = undefined;
      done.push(tb);
    }
    return done;
  }

  /** A traceback still open (its error line never came), closed as it is. */
  flush(): Traceback | undefined {
    const tb = this.current;
    this.current = undefined;
    return tb;
  }
}
