import type { RunOptions } from '../run/options.js';
import { runSuite } from '../run/run-suite.js';

/**
 * `hil run`: the options as the command line gave them, run by `runSuite`. Exit 0 every check
 * passed, 1 a check failed, 2 bad input, 3 the rack failed (or a board could not be judged),
 * 130 interrupted.
 */
export async function runCommand(options: Partial<RunOptions>): Promise<number> {
  return (await runSuite(options)).exitCode;
}
