/**
 * Finds the Toxiproxy API the rack names, or starts toxiproxy-server ourselves on a free
 * loopback port (`toxiproxy.manage: true`), and stops it again at the end or on SIGINT/SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HilError } from '../spec/errors.js';
import { killOnExit } from '../spec/exit-guard.js';
import { freePort } from './free-port.js';
import { ToxiproxyClient } from './toxiproxy.js';

export type LogSink = string | ((line: string) => void);

export interface ToxiproxyServiceOptions {
  /** The API from boards.yml (`toxiproxy.url`). */
  url: string;
  /** Start toxiproxy-server when nothing answers at `url`. */
  manage: boolean;
  /** Default: `tools/bin/toxiproxy-server` of this project (installed by scripts/setup.sh). */
  binary?: string;
  /** Where the server's log goes: a file path (appended) or a callback per line. Default: dropped. */
  log?: LogSink;
  /** Timeout of each API call, ms. Default 5000. */
  timeoutMs?: number;
  /** How long a started server may take to answer, ms. Default 10000. */
  startTimeoutMs?: number;
  /** Stop a started server on SIGINT/SIGTERM (then let the signal go on). Default true. */
  handleSignals?: boolean;
}

export interface ToxiproxyService {
  readonly url: string;
  readonly client: ToxiproxyClient;
  /** True when this process started toxiproxy-server (and `stop` ends it). */
  readonly managed: boolean;
  readonly pid?: number;
  /** Ends a server we started; a server we found running is only reset (POST /reset). */
  stop(): Promise<void>;
}

/** The API at `url` if it answers, else (with `manage`) a server of our own. */
export async function openToxiproxy(options: ToxiproxyServiceOptions): Promise<ToxiproxyService> {
  const client = new ToxiproxyClient({
    url: options.url,
    timeoutMs: Math.min(options.timeoutMs ?? 5000, 2000),
  });
  try {
    await client.version();
    const found = new ToxiproxyClient({ url: options.url, timeoutMs: options.timeoutMs });
    return {
      url: found.url,
      client: found,
      managed: false,
      // Not ours to end: leave it as a run should, every proxy enabled and no toxic left.
      // On an exit path an unreachable server has nothing left to heal, so a failure is ignored.
      stop: () => found.reset().catch(() => {}),
    };
  } catch (err) {
    if (!options.manage) {
      throw new HilError(
        'HIL_E_PROXY',
        `No Toxiproxy API answers at ${options.url}. Start toxiproxy-server there, or set ` +
          'toxiproxy.manage: true in boards.yml to let hil start its own.',
        { cause: err },
      );
    }
  }
  return startToxiproxyServer(options);
}

/** Starts toxiproxy-server on a free 127.0.0.1 port and waits until its API answers. */
export async function startToxiproxyServer(
  options: Omit<ToxiproxyServiceOptions, 'url' | 'manage'> = {},
): Promise<ToxiproxyService> {
  const binary = options.binary ?? join(projectRoot(), 'tools', 'bin', 'toxiproxy-server');
  if (!existsSync(binary)) {
    throw new HilError(
      'HIL_E_PROXY',
      `toxiproxy-server not found at ${binary}. Run scripts/setup.sh to install it (go install), ` +
        'or point toxiproxy.url in boards.yml at a running server.',
    );
  }
  const failures: string[] = [];
  // The port is free when asked but may be taken before the server binds it: try a few.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = await startOnce(binary, options);
    if ('service' in started) return started.service;
    failures.push(started.failure);
  }
  throw new HilError(
    'HIL_E_PROXY',
    `toxiproxy-server (${binary}) did not start: ${failures.join('; ')}. ` +
      'Run it by hand to see why, or check its log.',
  );
}

async function startOnce(
  binary: string,
  options: Omit<ToxiproxyServiceOptions, 'url' | 'manage'>,
): Promise<{ service: ToxiproxyService } | { failure: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // A disabled proxy with a random name proves that the API answering on the port is ours.
  const marker = `hil-probe-${randomUUID()}`;
  const dir = await mkdtemp(join(tmpdir(), 'hil-toxiproxy-'));
  const config = join(dir, 'probe.json');
  await writeFile(
    config,
    JSON.stringify([{ name: marker, listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: false }]),
  );

  const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port), '-config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  const tail: string[] = [];
  const sink = openSink(options.log);
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    sink.write(line);
  };
  splitLines(child.stdout, onLine);
  splitLines(child.stderr, onLine);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited (${signal ?? code})`;
  });
  child.once('error', (err) => {
    exited = err.message;
  });

  const client = new ToxiproxyClient({ url, timeoutMs: options.timeoutMs });
  const probe = new ToxiproxyClient({ url, timeoutMs: 1000 });
  const deadline = performance.now() + (options.startTimeoutMs ?? 10_000);
  let failure: string | undefined;
  try {
    for (;;) {
      if (exited) {
        failure = `it ${exited}: ${lastLines(tail)}`;
        break;
      }
      if (tail.some((l) => l.includes('address already in use'))) {
        failure = `port ${port} was taken`;
        break;
      }
      const ours = await probe.findProxy(marker).then(
        (p) => (p ? 'yes' : 'foreign'),
        () => 'no answer',
      );
      if (ours === 'yes') break;
      if (ours === 'foreign') {
        failure = `another server answers on port ${port}`;
        break;
      }
      if (performance.now() > deadline) {
        failure = `its API did not answer on ${url} within ${options.startTimeoutMs ?? 10_000} ms: ${lastLines(tail)}`;
        break;
      }
      // Polling: the API has no readiness signal besides answering.
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (failure) {
    await kill(child);
    sink.close();
    return { failure };
  }
  await client.removeProxy(marker);

  const release = guardSignals(child, options.handleSignals !== false);
  let stopping: Promise<void> | undefined;
  const service: ToxiproxyService = {
    url,
    client,
    managed: true,
    pid: child.pid,
    stop: () => {
      stopping ??= (async () => {
        release();
        await kill(child);
        sink.close();
      })();
      return stopping;
    },
  };
  return { service };
}

/**
 * Ends the child (with `signals`) on SIGINT and SIGTERM, the signal then re-raised if nobody
 * else handles it; `killOnExit` ends it when this process exits however it does. A caller that heals faults on Ctrl-C
 * handles the signals itself and stops the server after healing.
 */
function guardSignals(child: ChildProcess, signals: boolean): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    child.kill('SIGTERM');
    release();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  if (signals) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  return release;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

interface Sink {
  write(line: string): void;
  close(): void;
}

function openSink(log: LogSink | undefined): Sink {
  if (log === undefined) return { write: () => {}, close: () => {} };
  if (typeof log === 'function') return { write: log, close: () => {} };
  const file = createWriteStream(log, { flags: 'a' });
  return { write: (line) => file.write(`${line}\n`), close: () => file.end() };
}

function splitLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  });
  stream.on('end', () => {
    if (rest.trim()) onLine(rest);
  });
}

function lastLines(tail: string[]): string {
  return tail.length ? tail.slice(-3).join(' | ') : '(no output)';
}

/** The folder holding this package's package.json (works from harness/ and from dist/). */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'harness'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}
