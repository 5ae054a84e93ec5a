import { type BoardSpec, DEFAULT_BAUD } from '../spec/types.js';
import { LineLink, type LineLinkOptions } from './line-link.js';
import { closeSerialPort, openSerialPort } from './serial-port.js';
import { BoardSession, type BoardSessionOptions } from './session.js';
import { resolveSerialPath, type UsbScanOptions } from './usb-ports.js';

export interface OpenBoardOptions extends Omit<LineLinkOptions, 'board' | 'close'> {
  /** Port to open instead of the board's `serial` entry (a virtual board's PTY). */
  path?: string;
  /** Where USB devices are looked up (tests). */
  scan?: UsbScanOptions;
}

/** Opens a serial port by path (a PTY, a device node) with a line link on it. */
export async function openSerialLink(
  path: string,
  opts: Omit<LineLinkOptions, 'close'> & { board: string; baud?: number },
): Promise<LineLink> {
  const { baud, ...linkOpts } = opts;
  const port = await openSerialPort(path, { board: opts.board, baud: baud ?? DEFAULT_BAUD });
  return new LineLink(port, { ...linkOpts, close: () => closeSerialPort(port) });
}

/** The outermost layer: finds and opens a board's serial port and puts a line link on it. */
export async function openBoardLink(board: BoardSpec, opts: OpenBoardOptions = {}): Promise<LineLink> {
  const { path: given, scan, ...linkOpts } = opts;
  const path = given ?? (await resolveSerialPath(board, scan));
  return openSerialLink(path, { ...linkOpts, board: board.id, baud: board.baud });
}

/** Opens a board's port and starts a session on it (no hello yet). */
export async function openBoardSession(
  board: BoardSpec,
  opts: OpenBoardOptions & BoardSessionOptions = {},
): Promise<BoardSession> {
  const { run, helloTimeout, helloRetry, idleProbe, hungAfter, ...open } = opts;
  const link = await openBoardLink(board, open);
  return new BoardSession(link, { run, helloTimeout, helloRetry, idleProbe, hungAfter });
}
