import type { LineLink, LineLinkOptions } from '../board/line-link.js';
import { openConsoleLink } from '../board/open-board.js';
import type { BoardConsole, BoardTransport, ConsolePort, TransportContext } from '../board/transport.js';
import type { ResetTarget } from '../deploy/reset.js';
import { HilError } from '../spec/errors.js';
import type { BoardSpec } from '../spec/types.js';
import { TRANSPORTS } from './registry.js';

/** The transport a board names; HIL_E_CONFIG for a kind no registry line has. */
export function transportOf(board: Pick<BoardSpec, 'id' | 'transport'>): BoardTransport {
  const t = TRANSPORTS.find((x) => x.kind === board.transport.kind);
  if (!t)
    throw new HilError(
      'HIL_E_CONFIG',
      `board "${board.id}": no board transport "${board.transport.kind}" (transports: ${TRANSPORTS.map((x) => x.kind).join(', ')})`,
    );
  return t;
}

/** The board's port as `hil boards` shows it, e.g. `/dev/ttyACM0`, `virtual PTY (robust)`. */
export function describeBoard(board: Pick<BoardSpec, 'id' | 'transport'>): string {
  return transportOf(board).describe(board.transport);
}

/**
 * The one way to a board's console: finds it (a path, a USB identity) or starts it (a virtual
 * board, QEMU) through its transport. Call `stop()` on the result when done.
 */
export async function openBoard(board: BoardSpec, ctx: TransportContext = {}): Promise<BoardConsole> {
  return transportOf(board).open(board, board.transport, ctx);
}

/** A board opened, with a line link on its console: close the link, then stop the board. */
export interface OpenedLink {
  board: BoardConsole;
  link: LineLink;
}

/** Opens a board and a line link on its console; on failure nothing is left running. */
export async function openBoardLink(
  board: BoardSpec,
  ctx: TransportContext = {},
  linkOpts: Omit<LineLinkOptions, 'close' | 'board'> = {},
): Promise<OpenedLink> {
  const opened = await openBoard(board, ctx);
  try {
    return { board: opened, link: await openConsoleLink(opened, { ...linkOpts, board: board.id }) };
  } catch (err) {
    await opened.stop().catch(() => {});
    throw err;
  }
}

/**
 * What a reset (`deploy/reset.ts`) may use of an opened board: its modem lines and console
 * writes through `port` when one is open, its path for reset commands (HIL_SERIAL).
 */
export function resetTargetOf(
  board: Pick<BoardSpec, 'id'>,
  opened: BoardConsole,
  port?: ConsolePort,
): ResetTarget {
  return {
    board: board.id,
    path: opened.path,
    ...(port && {
      port: {
        set: (flags, cb) => port.set(flags, cb),
        write: (data, cb) => port.stream.write(data, cb),
      },
    }),
  };
}
