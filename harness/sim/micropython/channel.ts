import type { MessagePort } from 'node:worker_threads';

/**
 * What a MicroPython board's worker and the host thread share: a SharedArrayBuffer with a
 * doorbell, the console's input ring, and the messages on their MessagePort. The worker runs
 * Python synchronously, so it never sees a message event: it waits on the doorbell with
 * Atomics.wait and takes replies with receiveMessageOnPort.
 */

/** Int32 slots. */
export const DOORBELL = 0; // bumped by the host on every reply and console input
export const IN_WRITTEN = 1; // console bytes the host has written, in total
export const IN_READ = 2; // console bytes the worker has taken, in total
const HEADER_BYTES = 64;
/** The console input ring: a real UART's buffer is far smaller; bytes beyond it are lost. */
export const IN_RING = 16 * 1024;

export interface Shared {
  i32: Int32Array;
  ring: Uint8Array;
}

export function newShared(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + IN_RING);
}

export function viewShared(sab: SharedArrayBuffer): Shared {
  return { i32: new Int32Array(sab, 0, HEADER_BYTES / 4), ring: new Uint8Array(sab, HEADER_BYTES, IN_RING) };
}

/** Linux errno values, as lwIP-based ports and MicroPython's `errno` name them. */
export const E = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EINVAL: 22,
  EPIPE: 32,
  EOPNOTSUPP: 95,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EISCONN: 106,
  EINPROGRESS: 115,
} as const;

/** poll() event bits, as MicroPython's select module has them. */
export const POLLIN = 1;
export const POLLOUT = 4;
export const POLLERR = 8;
export const POLLHUP = 16;

/** Worker → host: a request the worker blocks on until the reply comes. Timeouts in ms, -1 = none. */
export type Request =
  | { op: 'resolve'; host: string }
  | { op: 'new' }
  | { op: 'connect'; id: number; host: string; port: number; timeout: number }
  | { op: 'send'; id: number; hex: string }
  | { op: 'recv'; id: number; n: number; timeout: number }
  | { op: 'close'; id: number }
  | { op: 'poll'; socks: Array<[number, number]>; stdin: boolean; timeout: number }
  | { op: 'radio'; up: boolean };

/** A reply: a number (≥ 0 a result, < 0 an errno) or a string (data as hex, an address, ready list). */
export type Reply = { r: number | string };

/** Worker → host, not waited on. */
export type Note =
  | { note: 'out'; data: Uint8Array }
  /** The board resets (`machine.reset()` hard, `soft_reset()` or Ctrl-D soft): the host restarts the worker. */
  | { note: 'reset'; hard: boolean }
  /** The interpreter is up and main.py is about to run. */
  | { note: 'booted'; ms: number };

export type WorkerMessage = { req: Request } | Note;

/** What the worker starts with. */
export interface WorkerData {
  module: WasmModule;
  /** The port's micropython.mjs, as a file URL. */
  loader: string;
  sab: SharedArrayBuffer;
  port: MessagePort;
  board: string;
  /** Files to write before boot: path on the board (relative to /) → contents. */
  files: Array<{ remote: string; data: Uint8Array }>;
  /** The GC heap in bytes. */
  heap: number;
  /** machine.reset_cause(): 1 power on, 2 hard reset, 5 soft reset. */
  cause: number;
  /** Whether the radio is up at boot (it keeps its state across a soft reset). */
  radio: boolean;
  /** The machine's unique_id as hex. */
  uid: string;
}

/** A compiled WebAssembly module (opaque here: this project's TS lib has no WebAssembly types). */
export interface WasmModule {
  readonly __wasm: unique symbol;
}

/** The WebAssembly global, typed as far as the board host uses it. */
export interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  Module: abstract new (...args: never[]) => WasmModule;
  instantiate(src: unknown, imports: unknown): Promise<unknown>;
}

export const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
