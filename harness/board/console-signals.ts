/** What a board's console says about its own state, read from plain (non-protocol) lines. */
import { BANNER_LINE, ROM_LINE, SOFT_REBOOT_LINE, tracebackCut } from '../history/console-lines.js';

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

export function bootSignal(line: string): BootSignal | undefined {
  if (ROM_LINE.test(line)) return { reason: 'rom', stage: 1 };
  if (SOFT_REBOOT_LINE.test(line)) return { reason: 'banner', stage: 2 };
  if (BANNER_LINE.test(line)) return { reason: 'banner', stage: 3 };
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
  /** The line that cut it short (a reset or a C-level panic): its exception line never came. */
  cut?: string;
}

const HEADER = 'Traceback (most recent call last):';
/** A board printing frames forever must not grow memory. */
const MAX_FRAMES = 64;

/**
 * Collects `Traceback (most recent call last):` and the indented frame lines after it,
 * until the first unindented line: the error. A reset or a C-level panic on the way (anywhere
 * in a line) cuts it short: no error, and `cut` is that line, never taken for the exception.
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
    if (tracebackCut(line)) {
      tb.cut = line.trim();
      this.current = undefined;
      done.push(tb);
      return done;
    }
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
