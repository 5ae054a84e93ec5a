import type { HilError } from '../spec/errors.js';
import type { BootReason } from './console-signals.js';
import type { BoardEvent } from './protocol.js';

/**
 * Everything a board session sees, in arrival order, each stamped with the host's monotonic
 * clock (absolute ms; the runner subtracts its t = 0). `toOps` turns these into history ops.
 */
export type Observation =
  /** A protocol line from the agent. */
  | { kind: 'event'; t: number; event: BoardEvent }
  /** Any other line: prints, tracebacks, banners. */
  | { kind: 'console'; t: number; line: string }
  /** A line that looked like protocol but was not (kept for the serial log). */
  | { kind: 'malformed'; t: number; line: string; why: string }
  /**
   * The board restarted: a hello with a new boot id, a MicroPython banner or an ESP ROM line.
   * `unseenMs`: first seen once its serial port was back; it booted in the `unseenMs` before
   * `t` (since the port went away).
   */
  | { kind: 'boot'; t: number; reason: BootReason; boot?: string | number; line?: string; unseenMs?: number }
  /** `error`: its exception line ('' when it never came); `cut`: the reset or panic line that cut it short. */
  | { kind: 'traceback'; t: number; lines: string[]; error: string; cut?: string }
  /**
   * The watchdog: nothing came back after a probe. `silentMs`: since the board last answered;
   * `boots`: boots seen since then without the agent answering (a reset loop), when any.
   */
  | { kind: 'hung'; t: number; silentMs: number; boots?: number }
  /** The serial port went away and is waited for (`error` says where, and how long). */
  | { kind: 'away'; t: number; error: HilError }
  /** The port that was away is open again, after `awayMs`, at `at` (a USB identity may move). */
  | { kind: 'back'; t: number; awayMs: number; at: string }
  /** The serial line went away for good (unplugged and not back, stream ended). */
  | { kind: 'gone'; t: number; error: HilError };
