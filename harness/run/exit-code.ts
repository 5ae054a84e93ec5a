import type { RunResult } from '../report/run-result.js';
import { EXIT } from '../spec/errors.js';

/**
 * `hil run`'s exit code from its results: 1 a counted board failed, 3 one could not be judged
 * (error), 0 otherwise. Quarantined boards never count. (130, interrupted, is the run's own.)
 */
export function exitCode(run: Pick<RunResult, 'results'>): number {
  const counted = run.results.filter((r) => r.board.status !== 'quarantined');
  if (counted.some((r) => r.verdict.verdict === 'fail')) return EXIT.checkFailed;
  if (counted.some((r) => r.verdict.verdict === 'error')) return EXIT.rackFailed;
  return EXIT.ok;
}
