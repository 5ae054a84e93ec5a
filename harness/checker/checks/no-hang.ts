import type { BoardView } from '../board-view.js';
import { at, span } from '../format.js';
import { type CheckOutcome, outcome } from './check.js';

/**
 * The serial watchdog, always judged: a board that stopped answering on serial is hung, a
 * failure of the firmware (a dead cable or port is a runner `error` op instead).
 */
export function noHang(view: BoardView): CheckOutcome {
  return outcome(
    view.ops.flatMap((op) =>
      op.kind === 'hung'
        ? [`stopped answering on serial at ${at(op.t)} (silent ${span(op.silentMs)}): hung`]
        : [],
    ),
  );
}
