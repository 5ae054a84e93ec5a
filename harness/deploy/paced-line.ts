import type { SerialPort } from 'serialport';
import { openPtyPair } from '../board/pty-pair.js';
import { closeSerialPort, openSerialPort } from '../board/serial-port.js';

/** A PTY in front of another serial line, passing bytes toward it no faster than a baud rate. */
export interface PacedLine {
  /** Open this as the board's serial port. */
  path: string;
  close(): Promise<void>;
}

const TICK_MS = 2;

/**
 * QEMU's nRF51 UART has no line speed: a burst from the host arrives as fast as the guest takes
 * it and overflows the micro:bit's 63-byte receive buffer, where a real line brings one byte per
 * ten bit times. This relay gives the line a speed (host to board only; the other way passes as
 * it comes).
 */
export async function openPacedLine(target: string, baud: number, board = 'paced'): Promise<PacedLine> {
  const pair = await openPtyPair();
  let hostSide: SerialPort | undefined;
  let boardSide: SerialPort;
  try {
    hostSide = await openSerialPort(pair.device, { board, baud });
    boardSide = await openSerialPort(target, { board, baud });
  } catch (err) {
    if (hostSide) await closeSerialPort(hostSide);
    await pair.close();
    throw err;
  }
  const host = hostSide;
  const bytesPerMs = baud / 10 / 1000;
  let queue: Buffer = Buffer.alloc(0);
  let credit = 0;
  let last = performance.now();
  boardSide.on('data', (b: Buffer) => host.write(b));
  host.on('data', (b: Buffer) => {
    queue = Buffer.concat([queue, b]);
  });
  const timer = setInterval(() => {
    const now = performance.now();
    // Credit accrues only while there is something to send: an idle line saves up no burst.
    credit = queue.length ? credit + (now - last) * bytesPerMs : 0;
    last = now;
    const n = Math.min(Math.floor(credit), queue.length);
    if (n <= 0) return;
    boardSide.write(queue.subarray(0, n));
    queue = queue.subarray(n);
    credit -= n;
  }, TICK_MS);
  timer.unref();
  return {
    path: pair.host,
    close: async () => {
      clearInterval(timer);
      await closeSerialPort(host);
      await closeSerialPort(boardSide);
      await pair.close();
    },
  };
}
