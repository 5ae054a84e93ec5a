import { read, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import { describeHolders, pathHolders } from '../network/holder.js';
import { HilError } from '../spec/errors.js';

const readAsync = promisify(read);

type Binding = typeof SerialPort.binding;
type ReadResult = { buffer: Buffer; bytesRead: number };

/** The parts of bindings-cpp's unix port that reading needs. */
interface UnixPort {
  fd: number | null;
  readonly isOpen: boolean;
  poller: { once(event: 'readable', cb: (err: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<ReadResult>;
}

function isUnixPort(p: unknown): p is UnixPort {
  const o = p as Partial<UnixPort> | null;
  return typeof o?.fd === 'number' && typeof o.poller?.once === 'function';
}

function canceled(): Error {
  return Object.assign(new Error('Port is not open'), { canceled: true });
}

/**
 * bindings-cpp 13 retries a zero-byte read forever, so an unplugged USB device (or a PTY whose
 * other end closed) spins the CPU and is never reported. On a tty a zero-byte read means hang-up:
 * turn it into an error, which the stream reports as a `close` with `disconnected: true`.
 */
async function readUntilHangup(port: UnixPort, buffer: Buffer, offset: number, length: number) {
  for (;;) {
    if (!port.isOpen || port.fd === null) throw canceled();
    let bytesRead: number;
    try {
      ({ bytesRead } = await readAsync(port.fd, buffer, offset, length, null));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') throw err;
      if (!port.isOpen) throw canceled();
      await new Promise<void>((resolve, reject) =>
        port.poller.once('readable', (e) => (e ? reject(e) : resolve())),
      );
      continue;
    }
    if (bytesRead === 0) {
      throw Object.assign(new Error('the serial device hung up'), { code: 'EHANGUP', disconnect: true });
    }
    return { buffer, bytesRead };
  }
}

/** The platform binding, with hang-up reported instead of spun on. */
export const hangupAwareBinding: Binding = {
  ...SerialPort.binding,
  list: () => SerialPort.binding.list(),
  async open(options: Parameters<Binding['open']>[0]) {
    const port = await SerialPort.binding.open(options as never);
    if (isUnixPort(port)) {
      port.read = (buffer, offset, length) => readUntilHangup(port, buffer, offset, length);
    }
    return port;
  },
} as Binding;

export interface OpenSerialOptions {
  /** Board id, named in every error. */
  board: string;
  baud: number;
}

/** Opens a serial port by path; errors say which board and what to do. */
export async function openSerialPort(path: string, opts: OpenSerialOptions): Promise<SerialPort> {
  const settings = { path, baudRate: opts.baud, autoOpen: false, binding: hangupAwareBinding };
  // `binding` is not in SerialPort's option type, but its constructor honours it.
  const port = new SerialPort(settings as ConstructorParameters<typeof SerialPort>[0]);
  // Errors after open arrive as `close` (disconnected); an unheard `error` would crash the process.
  port.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (err) {
    const e = openError(path, opts.board, err);
    if (!/in use by another program/.test(e.message)) throw e;
    // Name who holds it: the fix is closing that program.
    const who = describeHolders(await pathHolders(path));
    throw who ? new HilError(e.code, `${e.message}; held by ${who}`, { cause: err }) : e;
  }
  return port;
}

/**
 * Writes to an open port's file descriptor now, without the thread pool: bytes written, 0 when
 * the port would block or is not a unix port with a descriptor (then the caller queues). The
 * descriptor is non-blocking (bindings-cpp opens it so), so this never waits.
 */
export function writeNow(port: SerialPort, data: Buffer): number {
  const fd = (port.port as Partial<UnixPort> | undefined)?.fd;
  if (typeof fd !== 'number' || !port.isOpen) return 0;
  try {
    return writeSync(fd, data);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return 0;
    throw err;
  }
}

/** Closes a port, ignoring one that is already closed or gone. */
export function closeSerialPort(port: SerialPort): Promise<void> {
  return new Promise((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

function openError(path: string, board: string, err: unknown): HilError {
  const msg = (err instanceof Error ? err.message : String(err)).replace(/^(Error: )+/, '');
  const code = (err as NodeJS.ErrnoException).code;
  let hint = 'check the cable and the `serial` entry in boards.yml';
  if (code === 'ENOENT' || /ENOENT|No such file/.test(msg))
    hint = 'is the board plugged in? `hil boards --scan` lists the USB serial devices present';
  else if (code === 'EACCES' || /EACCES|Permission denied/.test(msg))
    hint = 'no permission: add your user to the `dialout` group (then log in again)';
  else if (/lock|EBUSY|Resource temporarily unavailable/i.test(msg))
    hint = 'the port is in use by another program (mpremote, screen, minicom, another hil): close it';
  return new HilError('HIL_E_SERIAL', `board ${board}: cannot open serial port ${path}: ${msg} (${hint})`, {
    cause: err,
  });
}
