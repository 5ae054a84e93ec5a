import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { HilError } from '../spec/errors.js';
import type { ResetMethod } from '../spec/types.js';

/** Modem lines as serialport's `set` takes them. */
export interface LineFlags {
  dtr: boolean;
  rts: boolean;
}

/** The part of an open serialport a reset needs. */
export interface ResettablePort {
  /** serialport fills unnamed lines with defaults (dtr and rts true): always pass both. */
  set(flags: LineFlags, cb: (err: Error | null) => void): void;
  write(data: string | Buffer, cb: (err?: Error | null) => void): boolean;
}

export interface ResetTarget {
  /** Board id, named in errors and given to reset commands as HIL_BOARD. */
  board: string;
  /** The open port: needed by line and repl resets. */
  port?: ResettablePort;
  /** The port's path, given to reset commands as HIL_SERIAL. */
  path?: string;
}

export interface ResetOptions {
  /** Longest a reset command may run (default 30 s). */
  commandTimeoutMs?: number;
}

/** A hardware line pulse: `line` active for `pulse` ms, the other line held inactive. */
export interface LinePulse {
  line: 'dtr' | 'rts';
  /** Active means low on the wire for most USB bridges; `invert` swaps it for boards wired the other way. */
  invert: boolean;
  pulse: number;
}

export const DEFAULT_PULSE_MS = 100;

/** The pulse a `dtr`, `rts` or `{ line }` reset makes; undefined for the other methods. */
export function linePulse(method: ResetMethod): LinePulse | undefined {
  if (method.kind === 'dtr' || method.kind === 'rts')
    return { line: method.kind, invert: false, pulse: DEFAULT_PULSE_MS };
  if (method.kind === 'line') return { line: method.line, invert: method.invert, pulse: method.pulse };
  return undefined;
}

/** The two `set` calls of a pulse: the reset edge, then release. */
export function pulseSteps(p: LinePulse): [LineFlags, LineFlags] {
  const active = !p.invert;
  // The other line stays inactive: on ESP auto-reset circuits DTR alone selects the bootloader.
  const other = p.line === 'dtr' ? 'rts' : 'dtr';
  const idle = { [other]: p.invert } as Partial<LineFlags>;
  return [{ ...idle, [p.line]: active } as LineFlags, { ...idle, [p.line]: !active } as LineFlags];
}

/**
 * Resets a board by one boards.yml method: a DTR/RTS pulse, Ctrl-C + Ctrl-D on the REPL, or a
 * rack command (a USB relay, a smart plug, `uhubctl`), run without a shell unless `shell: true`.
 * Resolves once the method has been carried out (the board's boot is the caller's to see).
 * Errors: HIL_E_SERIAL (no port, lines not settable), HIL_E_BOARD (command failed), HIL_E_TIMEOUT.
 */
export async function resetBoard(
  method: ResetMethod,
  target: ResetTarget,
  opts: ResetOptions = {},
): Promise<void> {
  switch (method.kind) {
    case 'dtr':
    case 'rts':
    case 'line':
      return pulseLine(needPort(target, method.kind), linePulse(method) as LinePulse, target.board);
    case 'repl':
      // Interrupt the app, leave raw mode if in it, soft-reset at the normal prompt: main.py runs again.
      return writePort(needPort(target, 'repl'), '\r\x03\x03\r\x02\x04', target.board);
    case 'command':
      return runResetCommand(method, target, opts.commandTimeoutMs ?? 30_000);
    default: {
      const never: never = method;
      throw new HilError('HIL_E_BOARD', `${target.board}: unknown reset method ${JSON.stringify(never)}`);
    }
  }
}

async function pulseLine(port: ResettablePort, p: LinePulse, board: string): Promise<void> {
  const [edge, release] = pulseSteps(p);
  await setLines(port, edge, board);
  await sleep(p.pulse);
  await setLines(port, release, board);
}

function setLines(port: ResettablePort, flags: LineFlags, board: string): Promise<void> {
  return new Promise((resolve, reject) =>
    port.set(flags, (err) =>
      err
        ? reject(
            new HilError(
              'HIL_E_SERIAL',
              `${board}: cannot set modem lines ${JSON.stringify(flags)}: ${err.message} (a PTY or a bridge without DTR/RTS? use reset: repl or a command)`,
              { cause: err },
            ),
          )
        : resolve(),
    ),
  );
}

function writePort(port: ResettablePort, data: string, board: string): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(Buffer.from(data, 'latin1'), (err) =>
      err ? reject(new HilError('HIL_E_SERIAL', `${board}: reset write failed: ${err.message}`)) : resolve(),
    );
  });
}

function needPort(target: ResetTarget, kind: string): ResettablePort {
  if (!target.port)
    throw new HilError('HIL_E_SERIAL', `${target.board}: a ${kind} reset needs the board's serial port open`);
  return target.port;
}

function runResetCommand(
  method: Extract<ResetMethod, { kind: 'command' }>,
  target: ResetTarget,
  timeoutMs: number,
): Promise<void> {
  const { command, argv } = method;
  return new Promise((resolve, reject) => {
    const env = { ...process.env, HIL_BOARD: target.board, ...(target.path && { HIL_SERIAL: target.path }) };
    const [file, ...args] = argv;
    if (!file) return reject(new HilError('HIL_E_BOARD', `${target.board}: the reset command is empty`));
    // Its own process group, so a hung command is stopped with everything it started.
    const child = spawn(file, args, { env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderr = (stderr + s).slice(-500);
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      reject(
        new HilError(
          'HIL_E_TIMEOUT',
          `${target.board}: reset command did not finish within ${timeoutMs} ms: ${command}`,
        ),
      );
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new HilError('HIL_E_BOARD', `${target.board}: cannot run reset command: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      reject(
        new HilError(
          'HIL_E_BOARD',
          `${target.board}: reset command failed (${signal ?? `exit ${code}`}): ${command}${stderr.trim() ? `: ${stderr.trim()}` : ''}`,
        ),
      );
    });
  });
}
