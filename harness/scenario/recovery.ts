import type { ResetMethod } from '../spec/types.js';

/** One rung of a board's reset ladder: what it is called in the history, and how it is done. */
export interface ResetStep {
  /** `agent`, `dtr`, `rts`, `line dtr`, `repl`, `command: uhubctl …`, `power cycle`. */
  method: string;
  /** Carries the method out; the board's boot is the caller's to see. */
  run(): Promise<void>;
}

/** How a boards.yml reset method is named in the history and the report. */
export function methodLabel(m: ResetMethod): string {
  switch (m.kind) {
    case 'command':
      return `command: ${m.command}`;
    case 'line':
      return `line ${m.line}${m.invert ? ' (inverted)' : ''}`;
    default:
      return m.kind;
  }
}

/** "3 resets (agent, repl, command: uhubctl …)" for messages. */
export function attemptsText(methods: readonly string[]): string {
  return `${methods.length} reset${methods.length === 1 ? '' : 's'} (${methods.join(', ')})`;
}

/** "quarantined at 02:14" in the host's local time: what a person on the rack reads on their clock. */
export function quarantineStamp(at: Date): string {
  const hh = String(at.getHours()).padStart(2, '0');
  const mm = String(at.getMinutes()).padStart(2, '0');
  return `quarantined at ${hh}:${mm}`;
}
