import type { Op } from '../../history/ops.js';
import type { CheckFinding } from '../findings.js';
import { defineCheck, outcome } from './check.js';

/** `no-traceback`: no Python traceback on the console between t = 0 and the end. */
export const noTraceback = defineCheck<{ check: 'no-traceback' }>({
  name: 'no-traceback',
  judge(_spec, view) {
    const failures: CheckFinding[] = [];
    view.ops.forEach((op, i) => {
      if (op.kind !== 'traceback' || op.t < 0 || op.t > view.end) return;
      failures.push({ kind: 'traceback', level: 'fail', t: op.t, error: errorLine(op.line, view.ops, i) });
    });
    return outcome(failures);
  },
});

/** A traceback's header says little; the error is the first unindented console line after it. */
function errorLine(line: string, ops: readonly Op[], i: number): string {
  if (!line.startsWith('Traceback')) return line.trim();
  for (const op of ops.slice(i + 1, i + 40)) {
    if (op.kind !== 'serial' || op.board !== ops[i]?.board) continue;
    if (op.line.trim() && !/^\s/.test(op.line)) return op.line.trim();
  }
  return line.trim();
}
