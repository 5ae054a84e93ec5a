import type { BoardView } from '../board-view.js';
import { type CheckOutcome, outcome } from './check.js';

/**
 * The serial watchdog, always judged and never declared (so not in the registry): a board that
 * stopped answering on serial is hung, a failure of the firmware (a dead cable or port is a
 * runner `error` op instead).
 */
export function noHang(view: BoardView): CheckOutcome {
  return outcome(
    view.ops.flatMap((op) =>
      op.kind === 'hung'
        ? [{ kind: 'hung' as const, level: 'fail' as const, t: op.t, silentMs: op.silentMs }]
        : [],
    ),
  );
}
