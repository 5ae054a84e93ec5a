import { spawn } from 'node:child_process';
import { HilError } from '../spec/errors.js';

export interface HookOptions {
  /** The command is killed (with its children) after this many ms. Default 30000. */
  timeoutMs?: number;
  /** Extra environment, e.g. `{ HIL_BOARD: 'picow-01' }`. */
  env?: Record<string, string>;
  cwd?: string;
}

/**
 * Runs a rack hook with `/bin/sh -c` (AP radio off, hostapd deny-MAC, a relay ...).
 * Fails with the command's stderr when it exits non-zero, and kills it on timeout.
 */
export function runHook(command: string, options: HookOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    // Own process group, so a timeout kills whatever the shell started too.
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(
        new HilError('HIL_E_BOARD', `hook "${command}" could not start: ${err.message}`, { cause: err }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const said = stderr.trim() ? `: ${stderr.trim()}` : ' (no stderr)';
      if (timedOut) {
        reject(
          new HilError('HIL_E_TIMEOUT', `hook "${command}" did not finish within ${timeoutMs} ms${said}`),
        );
      } else if (code !== 0) {
        reject(
          new HilError(
            'HIL_E_BOARD',
            `hook "${command}" failed with ${signal ?? `exit code ${code}`}${said}`,
          ),
        );
      } else {
        resolve();
      }
    });
  });
}
