import { type ChildProcess, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { HilError } from '../spec/errors.js';
import { killOnExit } from '../spec/exit-guard.js';
import { openPacedLine, type PacedLine } from './paced-line.js';

export const MICROBIT_FIRMWARE = '/usr/share/firmware-microbit-micropython/firmware.hex';

export interface QemuMicrobitOptions {
  /** MicroPython firmware image (default: Debian's firmware-microbit-micropython, MicroPython 1.9.2). */
  firmware?: string;
  /** The emulator (default qemu-system-arm on PATH). */
  qemu?: string;
  /** How long QEMU may take to make its PTY (default 15 s). */
  timeoutMs?: number;
  /**
   * Line speed toward the board, in baud (default 38400; 0: QEMU's PTY as it is). QEMU's UART
   * has no speed of its own: a burst from the host arrives at once and overflows the micro:bit's
   * 63-byte receive buffer. And QEMU runs guest code slowly the first time (it translates it),
   * so just after boot the agent can stall for a few ms: 63 bytes last 5.5 ms at 115200, 16 ms
   * at 38400, which is what lets the first ops after a boot through.
   */
  baud?: number;
}

/** A BBC micro:bit emulated by QEMU: a real MicroPython REPL on a real serial line (a PTY). */
export interface QemuMicrobit {
  /** The PTY to open as the board's serial port (paced to `baud`). */
  path: string;
  /** QEMU's own PTY, unpaced. */
  qemuPath: string;
  pid: number;
  /** What QEMU printed (its own diagnostics, not the board's console). */
  output(): string;
  /** Stops QEMU (SIGTERM, then SIGKILL); safe to call twice. */
  stop(): Promise<void>;
}

const PTY = /char device redirected to (\/dev\/\S+) \(label serial0\)/;

/** The command line QEMU runs: the firmware in the nRF51's flash, its UART on a new PTY. */
export function qemuArgs(firmware: string): string[] {
  return [
    '-M',
    'microbit',
    '-device',
    `loader,file=${firmware}`,
    '-serial',
    'pty',
    '-display',
    'none',
    '-monitor',
    'none',
  ];
}

/** Whether this host can emulate a micro:bit (QEMU and the firmware present). */
export async function qemuMicrobitAvailable(opts: QemuMicrobitOptions = {}): Promise<string | undefined> {
  try {
    await access(opts.firmware ?? MICROBIT_FIRMWARE);
  } catch {
    return `no micro:bit firmware at ${opts.firmware ?? MICROBIT_FIRMWARE} (apt install firmware-microbit-micropython)`;
  }
  const qemu = opts.qemu ?? 'qemu-system-arm';
  const found = await new Promise<boolean>((resolve) => {
    const p = spawn(qemu, ['--version'], { stdio: 'ignore' });
    p.on('error', () => resolve(false));
    p.on('exit', (code) => resolve(code === 0));
  });
  return found ? undefined : `${qemu} is not installed (apt install qemu-system-arm)`;
}

/** Boots MicroPython on an emulated micro:bit; resolves once its serial PTY exists. */
export async function startQemuMicrobit(opts: QemuMicrobitOptions = {}): Promise<QemuMicrobit> {
  const firmware = opts.firmware ?? MICROBIT_FIRMWARE;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const missing = await qemuMicrobitAvailable(opts);
  if (missing) throw new HilError('HIL_E_SERIAL', `cannot start the QEMU micro:bit: ${missing}`);
  const proc = spawn(opts.qemu ?? 'qemu-system-arm', qemuArgs(firmware), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(proc);
  let log = '';
  let settled = false;
  const path = await new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new HilError('HIL_E_SERIAL', `QEMU micro:bit: ${why}; QEMU said: ${log.trim() || 'nothing'}`));
    };
    const timer = setTimeout(() => fail(`no serial PTY within ${timeoutMs} ms`), timeoutMs);
    const onOutput = (chunk: Buffer) => {
      log = (log + chunk.toString('utf8')).slice(-4000);
      const m = PTY.exec(log);
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    // QEMU 7 prints the PTY on stdout, other versions on stderr: read both.
    proc.stdout?.on('data', onOutput);
    proc.stderr?.on('data', onOutput);
    proc.once('error', (err) => fail(`cannot start: ${err.message}`));
    proc.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before making its PTY`));
  });
  const baud = opts.baud ?? 38_400;
  let paced: PacedLine | undefined;
  try {
    paced = baud > 0 ? await openPacedLine(path, baud, 'qemu-microbit') : undefined;
  } catch (err) {
    await stopProcess(proc);
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    path: paced?.path ?? path,
    qemuPath: path,
    pid: proc.pid as number,
    output: () => log,
    stop: () => {
      stopping ??= (async () => {
        await paced?.close().catch(() => {});
        await stopProcess(proc);
      })();
      return stopping;
    },
  };
}

function stopProcess(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 3000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
