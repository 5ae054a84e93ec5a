/**
 * One MicroPython board: the WebAssembly port in this worker thread, one interpreter per
 * worker (the port keeps its state on globalThis). Python runs synchronously here; what the
 * port lacks goes through `_hil`, whose blocking calls post a request to the host thread and
 * wait on the shared doorbell (channel.ts). Sleeping waits on the doorbell too: no busy loop.
 */
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  DOORBELL,
  IN_READ,
  IN_RING,
  IN_WRITTEN,
  type Note,
  POLLIN,
  POLLOUT,
  type Reply,
  type Request,
  viewShared,
  Wasm,
  type WorkerData,
} from './channel.js';
import { PORT_DIR, PORT_MODULES, PRELUDE } from './port-modules.js';

interface PortFS {
  mkdir(path: string): void;
  writeFile(path: string, data: Uint8Array | string): void;
  analyzePath(path: string): { exists: boolean };
  getStream(fd: number): { stream_ops: Record<string, unknown> };
}
interface Port {
  _module: { _mp_sched_keyboard_interrupt(): void; _mp_hal_get_interrupt_char(): number };
  FS: PortFS;
  registerJsModule(name: string, module: object): void;
  runPython(code: string): unknown;
  replInit(): void;
  replProcessChar(c: number): number;
}
interface PythonError extends Error {
  type: string;
}

const data = workerData as WorkerData;
const { i32, ring } = viewShared(data.sab);
const port = data.port;

// ---- console output: bytes as a board's UART sends them, \n cooked to \r\n
let out: number[] = [];
let last = 0;
function post(msg: Note | { req: Request }): void {
  port.postMessage(msg);
}
function flush(): void {
  if (out.length === 0) return;
  post({ note: 'out', data: Uint8Array.from(out) });
  out = [];
}
function put(c: number): void {
  if (c === 10 && last !== 13) out.push(13);
  out.push(c);
  last = c;
  if (c === 10 || out.length >= 1024) flush();
}
function print(text: string): void {
  for (const c of Buffer.from(text)) put(c);
  flush();
}

// ---- console input: the host's ring, taken into `inbox`; the interrupt char schedules Ctrl-C
let mp: Port | undefined;
const inbox: number[] = [];
let taken = Atomics.load(i32, IN_READ);
let atRepl = false;
let interrupted = false;
function pull(): void {
  const written = Atomics.load(i32, IN_WRITTEN);
  if (taken === written) return;
  const intr = mp ? mp._module._mp_hal_get_interrupt_char() : -1;
  while (taken !== written) {
    const c = ring[taken & (IN_RING - 1)] as number;
    taken = (taken + 1) | 0;
    if (!atRepl && c === intr && mp) {
      mp._module._mp_sched_keyboard_interrupt();
      interrupted = true;
    } else inbox.push(c);
  }
  Atomics.store(i32, IN_READ, taken);
}

/** Waits until `until()` holds or `ms` passed (-1: no limit), waking on every doorbell. */
function waitFor(until: () => boolean, ms: number): void {
  const end = ms < 0 ? Number.POSITIVE_INFINITY : performance.now() + ms;
  for (;;) {
    const bell = Atomics.load(i32, DOORBELL);
    pull();
    if (until()) return;
    const left = end - performance.now();
    if (left <= 0) return;
    Atomics.wait(i32, DOORBELL, bell, Number.isFinite(left) ? left : undefined);
  }
}

/** A request the host serves; blocks until its reply. */
function call(req: Request): number | string {
  flush();
  post({ req });
  for (;;) {
    const bell = Atomics.load(i32, DOORBELL);
    const m = receiveMessageOnPort(port);
    if (m) return (m.message as Reply).r;
    pull();
    Atomics.wait(i32, DOORBELL, bell);
  }
}

function sleep(ms: number): void {
  flush();
  interrupted = false;
  waitFor(() => interrupted, Math.max(0, ms));
}

// ---- the bridge, `import _hil`
let radioUp = data.radio;
let nextSock = 1;
const bridge = {
  sleep: (ms: number) => sleep(Number(ms)),
  resolve: (host: string) => call({ op: 'resolve', host }),
  new: () => nextSock++,
  connect: (id: number, host: string, p: number, timeout: number) =>
    call({ op: 'connect', id, host, port: p, timeout }),
  send: (id: number, hex: string) => call({ op: 'send', id, hex }),
  recv: (id: number, n: number, timeout: number) => call({ op: 'recv', id, n, timeout }),
  close: (id: number) => call({ op: 'close', id }),
  poll: (spec: string, timeout: number) => pollBridge(spec, timeout),
  radio: (up: number) => {
    radioUp = !!up;
    return call({ op: 'radio', up: radioUp });
  },
  up: () => radioUp,
  reset: (hard: number) => {
    flush();
    post({ note: 'reset', hard: !!hard });
    // The host ends this worker; nothing runs after a reset.
    for (;;) Atomics.wait(i32, IN_RING, 0);
  },
  cause: () => data.cause,
  uid: () => data.uid,
};

/** select.poll over the console ("s") and sockets: "s:1,7:5" → the ready ones, same form. */
function pollBridge(spec: string, timeout: number): string {
  let stdinMask = 0;
  const socks: Array<[number, number]> = [];
  for (const kv of spec ? spec.split(',') : []) {
    const [k, v] = kv.split(':');
    if (k === 's') stdinMask = Number(v);
    else socks.push([Number(k), Number(v)]);
  }
  const stdinReady = () => (stdinMask & POLLIN && inbox.length > 0 ? POLLIN : 0) | (stdinMask & POLLOUT);
  pull();
  let ready = '';
  if (socks.length === 0) {
    if (!stdinReady() && timeout !== 0) waitFor(() => stdinReady() !== 0 || interrupted, timeout);
  } else {
    const r = call({
      op: 'poll',
      socks,
      stdin: (stdinMask & POLLIN) !== 0,
      timeout: stdinReady() ? 0 : timeout,
    });
    ready = typeof r === 'string' ? r : '';
    pull();
  }
  const s = stdinReady();
  return s ? (ready ? `s:${s},${ready}` : `s:${s}`) : ready;
}

// ---- boot
function mkdirs(fs: PortFS, path: string): void {
  let at = '';
  for (const part of path.split('/').slice(0, -1)) {
    if (!part) continue;
    at += `/${part}`;
    if (!fs.analyzePath(at).exists) fs.mkdir(at);
  }
}

function consoleStream(fs: PortFS): void {
  // fd 0: reads block until a byte came (as a UART's), poll says whether one is there.
  const s = fs.getStream(0);
  s.stream_ops = {
    ...s.stream_ops,
    read: (_s: unknown, buffer: Uint8Array, offset: number, length: number) => {
      flush();
      waitFor(() => inbox.length > 0 || interrupted, -1);
      let n = 0;
      while (n < length && inbox.length > 0) buffer[offset + n++] = inbox.shift() as number;
      return n;
    },
    poll: () => {
      pull();
      return (inbox.length > 0 ? POLLIN : 0) | POLLOUT;
    },
  };
}

/** A Python error as a board prints it: the traceback without the frame of our own exec. */
function printError(err: unknown): void {
  const e = err as PythonError;
  if (e?.name !== 'PythonError') throw err;
  if (e.type === 'SystemExit') return;
  const lines = e.message.split('\n').filter((l) => !/^ {2}File "<stdin>"/.test(l));
  print(lines.join('\n').replace(/\n*$/, '\n'));
}

async function main(): Promise<void> {
  const t0 = performance.now();
  // Compiled once by the host: instantiate the shared module instead of compiling the file again.
  const instantiate = Wasm.instantiate.bind(Wasm);
  Wasm.instantiate = (src, imports) =>
    src instanceof Wasm.Module
      ? instantiate(src, imports)
      : instantiate(data.module, imports).then((instance) => ({ instance, module: data.module }));
  const { loadMicroPython } = (await import(data.loader)) as {
    loadMicroPython(o: object): Promise<Port>;
  };
  const emit = (b: Uint8Array) => {
    for (const c of b) put(c);
  };
  const port = await loadMicroPython({ heapsize: data.heap, linebuffer: false, stdout: emit, stderr: emit });
  mp = port;
  const fs = port.FS;
  consoleStream(fs);
  fs.mkdir(PORT_DIR);
  for (const [name, src] of Object.entries(PORT_MODULES)) fs.writeFile(`${PORT_DIR}/${name}.py`, src);
  for (const f of data.files) {
    const path = `/${f.remote.replace(/^\/+/, '')}`;
    mkdirs(fs, path);
    fs.writeFile(path, f.data);
  }
  port.registerJsModule('_hil', bridge);
  port.runPython(PRELUDE);
  post({ note: 'booted', ms: Math.round(performance.now() - t0) });
  for (const file of ['boot.py', 'main.py']) {
    if (!fs.analyzePath(`/${file}`).exists) continue;
    try {
      port.runPython(`exec(compile(open("${file}").read(), "${file}", "exec"))`);
    } catch (err) {
      printError(err);
      break;
    }
  }
  repl(port);
}

/** After main.py, the REPL, as on a board; Ctrl-D there is a soft reset. */
function repl(port: Port): void {
  atRepl = true;
  flush();
  port.replInit();
  for (;;) {
    waitFor(() => inbox.length > 0, -1);
    const c = inbox.shift() as number;
    if (port.replProcessChar(c) !== 0) bridge.reset(0);
    flush();
  }
}

main().catch((err: unknown) => {
  print(`hil: the board did not start: ${err instanceof Error ? err.message : String(err)}\n`);
});
