import { DEFAULT_BAUD } from '../spec/types.js';
import { LineLink, type LineLinkOptions } from './line-link.js';
import { closeSerialPort, openSerialPort } from './serial-port.js';
import type { BoardConsole, ConsolePort } from './transport.js';

export interface SerialConsoleOptions {
  /** Board id, named in every error. */
  board: string;
  /** Default 115200. */
  baud?: number;
  /** What else `stop()` ends (a board process, a PTY pair); the port itself is closed by its opener. */
  stop?: () => Promise<void>;
  restart?: () => Promise<void>;
}

/**
 * A console on a serial path (a device node, a by-id link, a PTY): every transport that ends
 * in one builds its console with this.
 */
export function serialConsole(path: string, opts: SerialConsoleOptions): BoardConsole {
  const { board, baud = DEFAULT_BAUD, stop, restart } = opts;
  let stopping: Promise<void> | undefined;
  return {
    path,
    open: () => openSerialConsole(path, { board, baud }),
    ...(restart && { restart }),
    stop: () => {
      stopping ??= stop ? stop() : Promise.resolve();
      return stopping;
    },
  };
}

/** Opens a serial port by path as a console port; errors say which board and what to do. */
export async function openSerialConsole(
  path: string,
  opts: { board: string; baud: number },
): Promise<ConsolePort> {
  const port = await openSerialPort(path, opts);
  return {
    stream: port,
    set: (flags, cb) => port.set(flags, (err) => cb(err ?? null)),
    close: () => closeSerialPort(port),
  };
}

/** A line link on an open console; closing the link closes the port. */
export function linkOn(port: ConsolePort, opts: Omit<LineLinkOptions, 'close'> = {}): LineLink {
  return new LineLink(port.stream, { ...opts, close: () => port.close() });
}

/** Opens a board's console and puts a line link on it. */
export async function openConsoleLink(
  console: BoardConsole,
  opts: Omit<LineLinkOptions, 'close'> = {},
): Promise<LineLink> {
  return linkOn(await console.open(), opts);
}
