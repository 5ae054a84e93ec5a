import type { BoardView } from '../board-view.js';
import type { CheckFinding } from '../findings.js';
import { type CheckOutcome, outcome } from './check.js';

/**
 * The serial watchdog, always judged and never declared (so not in the registry): a board that
 * stopped answering on serial is hung, a failure of the firmware (a dead cable or port is a
 * runner `error` op instead); one that keeps rebooting without its agent answering is in a reset loop.
 */
export function noHang(view: BoardView): CheckOutcome {
  const findings: CheckFinding[] = [];
  for (const op of view.ops)
    if (op.kind === 'hung')
      findings.push({
        kind: 'hung',
        level: 'fail',
        t: op.t,
        silentMs: op.silentMs,
        ...(op.boots && { boots: op.boots }),
      });
  return outcome(findings);
}
