import { tracebackCut } from '../../history/console-lines.js';
import type { Op, OpOf } from '../../history/ops.js';
import type { CheckFinding } from '../findings.js';
import { defineCheck, outcome } from './check.js';

/** `no-traceback`: no Python traceback on the console between t = 0 and the end. */
export const noTraceback = defineCheck<{ check: 'no-traceback' }>({
  name: 'no-traceback',
  judge(_spec, view) {
    const failures: CheckFinding[] = [];
    view.ops.forEach((op, i) => {
      if (op.kind !== 'traceback' || op.t < 0 || op.t > view.end) return;
      failures.push({ kind: 'traceback', level: 'fail', t: op.t, ...exceptionOf(op, view.ops, i) });
    });
    return outcome(failures);
  },
});

type Ending = { error: string; cut?: { by: 'panic' | 'reset'; line: string } };

/**
 * How a traceback ended: its exception, or what cut it short. A header alone says little; its
 * ending is then the first unindented console line after it, unless a reset or a panic comes first.
 */
function exceptionOf(op: OpOf<'traceback'>, ops: readonly Op[], i: number): Ending {
  if (op.cut !== undefined) return cutBy(op.cut);
  if (!op.line.startsWith('Traceback')) return { error: op.line.trim() };
  for (const next of ops.slice(i + 1, i + 40)) {
    if (next.kind !== 'serial' || next.board !== op.board) continue;
    if (tracebackCut(next.line)) return cutBy(next.line);
    if (next.line.trim() && !/^\s/.test(next.line)) return { error: next.line.trim() };
  }
  return { error: op.line.trim() };
}

function cutBy(line: string): Ending {
  return { error: '', cut: { by: tracebackCut(line) ?? 'reset', line: line.trim() } };
}
