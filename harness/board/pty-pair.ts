import { type ChildProcess, spawn } from 'node:child_process';
import { HilError } from '../spec/errors.js';
import { killOnExit } from '../spec/exit-guard.js';

/** A virtual null-modem cable: two linked PTYs made by socat. */
export interface PtyPair {
  /** The end the harness opens with serialport, as it opens /dev/ttyACM0. */
  host: string;
  /** The end a virtual board (or QEMU) sits on. */
  device: string;
  close(): Promise<void>;
}

const PTY_LINE = /PTY is (\S+)/g;

/** Starts socat with two raw PTYs and waits until both paths are known. */
export async function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const proc: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  killOnExit(proc);
  const paths: string[] = [];
  let log = '';
  let exitedEarly: (code: number | null) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new HilError('HIL_E_SERIAL', `socat gave no PTYs within ${timeoutMs} ms: ${log.trim()}`)),
      timeoutMs,
    );
    proc.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new HilError('HIL_E_SERIAL', `cannot start socat (run scripts/setup.sh): ${err.message}`, {
          cause: err,
        }),
      );
    });
    exitedEarly = (code) => {
      clearTimeout(timer);
      reject(new HilError('HIL_E_SERIAL', `socat exited (${code}) before making PTYs: ${log.trim()}`));
    };
    proc.once('exit', exitedEarly);
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      log += chunk;
      for (const m of chunk.matchAll(PTY_LINE)) paths.push(m[1] as string);
      // socat prints "starting data transfer loop" once both ends exist.
      if (paths.length >= 2 && /starting data transfer loop/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  try {
    await ready;
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  // Only our own: the exit guard's listener stays.
  proc.off('exit', exitedEarly);
  return {
    host: paths[0] as string,
    device: paths[1] as string,
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}
