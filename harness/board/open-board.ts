import { DEFAULT_BAUD } from '../spec/types.js';
import { LineLink, type LineLinkOptions } from './line-link.js';
import { closeSerialPort, openSerialPort, writeNow } from './serial-port.js';
import type { BoardConsole, ConsolePort } from './transport.js';

export interface SerialConsoleOptions {
  /** Board id, named in every error. */
  board: string;
  /** Default 115200. */
  baud?: number;
  /** What else `stop()` ends (a board process, a PTY pair); the port itself is closed by its opener. */
  stop?: () => Promise<void>;
  restart?: () => Promise<void>;
  /** Finds the path again before each open (a USB identity may come back at a new path). */
  locate?: () => Promise<string>;
  /** Set for a port that can go away and come back: see BoardConsole.comesBackAs. */
  comesBackAs?: string;
}

/**
 * A console on a serial path (a device node, a by-id link, a PTY): every transport that ends
 * in one builds its console with this.
 */
export function serialConsole(path: string, opts: SerialConsoleOptions): BoardConsole {
  const { board, baud = DEFAULT_BAUD, stop, restart, locate, comesBackAs } = opts;
  let stopping: Promise<void> | undefined;
  let at = path;
  return {
    get path() {
      return at;
    },
    open: async () => {
      if (locate) at = await locate();
      return openSerialConsole(at, { board, baud });
    },
    ...(restart && { restart }),
    ...(comesBackAs !== undefined && { comesBackAs }),
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
    writeNow: (data) => writeNow(port, data),
  };
}

/** A line link on an open console; closing the link closes the port. */
export function linkOn(port: ConsolePort, opts: Omit<LineLinkOptions, 'close'> = {}): LineLink {
  return new LineLink(port.stream, {
    ...opts,
    close: () => port.close(),
    ...(port.writeNow && { writeNow: port.writeNow }),
  });
}

/**
 * Opens a board's console and puts a line link on it. A console that can come back
 * (`comesBackAs`) is reopened by the link when it goes away (`awayMs`, default SERIAL_AWAY_MS).
 * `onPort` gets each port opened, the first and every reopened one (a reset's modem lines).
 */
export async function openConsoleLink(
  console: BoardConsole,
  opts: Omit<LineLinkOptions, 'close' | 'reopen'> & { onPort?: (port: ConsolePort) => void } = {},
): Promise<LineLink> {
  const { onPort, ...linkOpts } = opts;
  const open = async () => {
    const port = await console.open();
    onPort?.(port);
    return port;
  };
  const port = await open();
  const as = console.comesBackAs;
  if (as === undefined) return linkOn(port, linkOpts);
  return linkOn(port, {
    ...linkOpts,
    reopen: {
      open,
      at: () => console.path,
      what: () => (as === console.path ? `at ${as}` : `as ${as} (last at ${console.path})`),
    },
  });
}
