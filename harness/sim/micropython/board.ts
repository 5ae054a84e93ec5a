import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { HilError } from '../../spec/errors.js';
import {
  DOORBELL,
  IN_READ,
  IN_RING,
  IN_WRITTEN,
  newShared,
  type Shared,
  viewShared,
  Wasm,
  type WasmModule,
  type WorkerData,
  type WorkerMessage,
} from './channel.js';
import { BoardNet } from './sockets.js';

/** A file for the board: `local` on this host, `remote` its path on the board (`lib/umqtt/simple.py`). */
export interface BoardFile {
  local: string;
  remote: string;
}

export interface MicroPythonBoardOptions {
  /** Board id, named in errors and logs. */
  board: string;
  /** Written to the board's filesystem before every boot, as `hil deploy` leaves them on flash. */
  files: BoardFile[];
  /** The GC heap in bytes (default 1 MiB, the port's). */
  heap?: number;
  /** How long the first boot may take, in ms (default 20 s). */
  readyTimeoutMs?: number;
  /** Diagnostics of the board host (not its console). */
  log?: (line: string) => void;
}

/** A running MicroPython board. */
export interface MicroPythonBoard {
  /** A console stream (the board's UART); output before one is open is lost, as on USB serial. */
  openConsole(): Duplex;
  /** A power cycle: the chip resets (connections cut, no FIN), a new interpreter boots. */
  restart(): Promise<void>;
  /** Ends the interpreter and every socket; safe to call twice. */
  stop(): Promise<void>;
  /** The board's network stack and radio. */
  net: BoardNet;
  /** Boots so far, and how long the last took (worker start → main.py), in ms. */
  readonly boots: number;
  readonly bootMs: number;
}

const DEFAULT_HEAP = 1024 * 1024;
const READY_MS = 20_000;
const POWER_ON = 1;
const HARD_RESET = 2;
const SOFT_RESET = 5;

let compiled: Promise<WasmModule> | undefined;

/** The port's wasm, compiled once per process and shared by every board's worker. */
export function portModule(): Promise<WasmModule> {
  compiled ??= (async () => {
    const mjs = createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript');
    return Wasm.compile(await readFile(new URL('micropython.wasm', pathToFileURL(mjs))));
  })();
  return compiled;
}

let entry: Promise<URL> | undefined;

/**
 * The worker's entry: the built .js; from the .ts sources, one bundle made with esbuild (tsx's
 * compiler) once per process, so a worker does not load tsx (which costs ~25 MB per board).
 */
function workerEntry(): Promise<URL> {
  entry ??= (async () => {
    const ext = extname(fileURLToPath(import.meta.url));
    const url = new URL(`./worker${ext}`, import.meta.url);
    if (ext !== '.ts') return url;
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [fileURLToPath(url)],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      write: false,
    });
    const code = out.outputFiles[0]?.text ?? '';
    const file = join(
      tmpdir(),
      `hil-micropython-worker-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.mjs`,
    );
    await writeFile(file, code);
    return pathToFileURL(file);
  })();
  return entry;
}

/** The port's loader, resolved here (the worker's bundle may sit outside node_modules' reach). */
function portUrl(): string {
  return pathToFileURL(
    createRequire(import.meta.url).resolve('@micropython/micropython-webassembly-pyscript'),
  ).href;
}

/**
 * Starts a board running MicroPython's WebAssembly port in a worker thread: its files written,
 * boot.py and main.py run. HIL_E_CONFIG when a file cannot be read, HIL_E_BOARD when the
 * interpreter does not start in time.
 */
export async function startMicroPythonBoard(opts: MicroPythonBoardOptions): Promise<MicroPythonBoard> {
  const log = opts.log ?? (() => {});
  const files = await Promise.all(
    opts.files.map(async (f) => {
      try {
        return { remote: f.remote, data: new Uint8Array(await readFile(f.local)) };
      } catch (err) {
        throw new HilError(
          'HIL_E_CONFIG',
          `board "${opts.board}": cannot read ${f.local} for ${f.remote}: ${(err as Error).message}`,
        );
      }
    }),
  );
  const module = await portModule();
  const uid = createHash('sha256').update(opts.board).digest('hex').slice(0, 16);
  const net = new BoardNet(false);
  const entryUrl = await workerEntry();
  const loader = portUrl();

  let worker: Worker | undefined;
  let port: MessagePort | undefined;
  let shared: Shared | undefined;
  let console: Duplex | undefined;
  let boots = 0;
  let bootMs = 0;
  let stopped = false;
  let booted: { resolve: () => void; reject: (e: Error) => void } | undefined;

  const ring = (s: Shared) => {
    Atomics.add(s.i32, DOORBELL, 1);
    Atomics.notify(s.i32, DOORBELL);
  };

  const start = (cause: number, radio: boolean): Promise<void> => {
    const sab = newShared();
    const s = viewShared(sab);
    const { port1, port2 } = new MessageChannel();
    const data: WorkerData = {
      module,
      loader,
      sab,
      port: port2,
      board: opts.board,
      files,
      heap: opts.heap ?? DEFAULT_HEAP,
      cause,
      radio,
      uid,
    };
    const t0 = performance.now();
    const w = new Worker(entryUrl, { workerData: data, transferList: [port2] });
    worker = w;
    port = port1;
    shared = s;
    net.setRadio(radio);
    port1.on('message', (m: WorkerMessage) => {
      if (worker !== w) return;
      if ('req' in m)
        net.handle(m.req, (r) => {
          port1.postMessage({ r });
          ring(s);
        });
      else if (m.note === 'out') console?.push(Buffer.from(m.data));
      else if (m.note === 'booted') {
        boots++;
        bootMs = Math.round(performance.now() - t0);
        booted?.resolve();
        booted = undefined;
      } else if (m.note === 'reset') void reboot(m.hard);
    });
    w.on('error', (err) => log(`[${opts.board}] MicroPython worker failed: ${err.stack ?? err.message}`));
    w.on('exit', (code) => {
      if (worker !== w || stopped) return;
      log(`[${opts.board}] MicroPython worker exited (${code})`);
      booted?.reject(
        new HilError(
          'HIL_E_BOARD',
          `MicroPython board "${opts.board}" stopped before it booted (see its log)`,
        ),
      );
      booted = undefined;
    });
    return new Promise<void>((resolve, reject) => {
      booted = { resolve, reject };
    });
  };

  const end = async () => {
    const w = worker;
    worker = undefined;
    port?.close();
    port = undefined;
    shared = undefined;
    booted = undefined;
    if (w) await w.terminate();
  };

  const reboot = async (hard: boolean) => {
    if (hard) net.chipReset();
    else net.closeAll();
    const radio = hard ? false : net.up;
    await end();
    if (!stopped) await start(hard ? HARD_RESET : SOFT_RESET, radio).catch(() => {});
  };

  const first = start(POWER_ON, false);
  const timeoutMs = opts.readyTimeoutMs ?? READY_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      first,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new HilError(
                'HIL_E_BOARD',
                `MicroPython board "${opts.board}" did not boot within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    stopped = true;
    await end();
    net.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }

  let stopping: Promise<void> | undefined;
  return {
    net,
    get boots() {
      return boots;
    },
    get bootMs() {
      return bootMs;
    },
    openConsole() {
      console?.push(null);
      const d: Duplex = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          const s = shared;
          if (s) {
            const w = Atomics.load(s.i32, IN_WRITTEN);
            const free = IN_RING - ((w - Atomics.load(s.i32, IN_READ)) | 0);
            const n = Math.min(free, chunk.length); // beyond the buffer, bytes are lost
            for (let i = 0; i < n; i++) s.ring[(w + i) & (IN_RING - 1)] = chunk[i] as number;
            Atomics.store(s.i32, IN_WRITTEN, (w + n) | 0);
            ring(s);
            net.stdinArrived();
          }
          cb();
        },
        destroy(err, cb) {
          if (console === d) console = undefined;
          cb(err);
        },
      });
      console = d;
      return d;
    },
    async restart() {
      net.chipReset();
      await end();
      await start(POWER_ON, false);
    },
    stop() {
      stopping ??= (async () => {
        stopped = true;
        await end();
        net.destroy();
        console?.push(null);
        console = undefined;
      })();
      return stopping;
    },
  };
}
