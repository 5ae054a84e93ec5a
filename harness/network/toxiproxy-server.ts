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
import { sleep } from '../spec/clock.js';
import { HilError } from '../spec/errors.js';
import { killOnExit } from '../spec/exit-guard.js';
import { freePort } from './free-port.js';
import { nobodyAnswered, ToxiproxyClient } from './toxiproxy.js';

export type LogSink = string | ((line: string) => void);

export interface ToxiproxyServiceOptions {
  /** The API from boards.yml (`toxiproxy.url`). */
  url: string;
  /** Start toxiproxy-server when nothing answers at `url` (and restart it when it dies). */
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
  /** Told, one line each, when the server dies mid-run and what hil did about it (the run's stderr). */
  notice?: (line: string) => void;
  /**
   * Aborted once hil is shutting down (Ctrl-C, SIGTERM, the run being closed): a managed server
   * that ends from then on is not restarted, and its clean end (a terminal's Ctrl-C reaches the
   * whole process group, so the server too) is no death. For callers that handle the signals.
   */
  shutdown?: AbortSignal;
}

/** One death of the server, as seen mid-run. */
export interface ToxiproxyOutage {
  /** When it was seen, performance.now() ms. */
  readonly t: number;
  /** What was seen: `killed by SIGKILL`, `exited with code 2`, `its API stopped answering (...)`. */
  readonly cause: string;
  /** hil runs that server (and restarts it); an unmanaged one is only reported. */
  readonly managed: boolean;
  /** A managed child's end as Node saw it. Code 0 is toxiproxy-server's own shutdown on SIGINT or SIGTERM. */
  readonly exit?: { code: number | null; signal: NodeJS.Signals | null };
  /** What a person must do (an unmanaged server: hil cannot restart it). */
  readonly fix?: string;
  /** How a managed server came back; absent while its restart is under way, and when unmanaged. */
  recovery?: ToxiproxyRecovery;
}

/** A restart: `ms` from the death seen to every proxy re-created (or to the failure). */
export type ToxiproxyRecovery =
  | { restarted: true; ms: number; pid?: number; proxies: string[]; failed: string[] }
  | { restarted: false; ms: number; error: string };

export interface ToxiproxyService {
  readonly url: string;
  /** The same client for the whole run: a managed server restarts at the same URL. */
  readonly client: ToxiproxyClient;
  /** True when this process started toxiproxy-server (and `stop` ends it). */
  readonly managed: boolean;
  /** The managed server's pid (a restart changes it). */
  readonly pid?: number;
  /** Every death seen so far, oldest first. */
  readonly outages: readonly ToxiproxyOutage[];
  /**
   * Resolves once the API answers: a restart under way is awaited, a managed server whose last
   * restart failed is started again, an unmanaged one that came back gets its proxies again.
   * Rejects with HIL_E_PROXY naming the URL and what to do.
   */
  ready(): Promise<void>;
  /**
   * Probes the API every `everyMs` (default 1000) until the returned function is called: an
   * unmanaged server's death shows no other way while no call is made. No-op when managed
   * (its child's exit tells at once).
   */
  watch(everyMs?: number): () => void;
  /** Ends a server we started; a server we found running is only reset (POST /reset). */
  stop(): Promise<void>;
}

/** The API at `url` if it answers, else (with `manage`) a server of our own. */
export async function openToxiproxy(options: ToxiproxyServiceOptions): Promise<ToxiproxyService> {
  const probe = new ToxiproxyClient({
    url: options.url,
    timeoutMs: Math.min(options.timeoutMs ?? 5000, 2000),
  });
  try {
    await probe.version();
    return new FoundToxiproxy(options);
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
  const sink = openSink(options.log);
  const failures: string[] = [];
  // The port is free when asked but may be taken before the server binds it: try a few.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const started = await startOnce(binary, options, sink, port);
    if ('child' in started) return new ManagedToxiproxy(binary, port, options, sink, started.child);
    failures.push(started.failure);
  }
  sink.close();
  throw new HilError(
    'HIL_E_PROXY',
    `toxiproxy-server (${binary}) did not start: ${failures.join('; ')}. ` +
      'Run it by hand to see why, or check its log.',
  );
}

/** The client library's own words under a HilError (its message also carries the advice). */
function reasonOf(err: unknown): string {
  if (err instanceof HilError) return err.cause instanceof Error ? err.cause.message : 'no answer in time';
  return err instanceof Error ? err.message : String(err);
}

/** "fetch failed" says nothing to a person: what it means here. */
function reasonText(reason: string): string {
  return reason === 'fetch failed' ? 'connection refused or reset' : reason;
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** A server hil found running: never restarted, but its death is seen and said. */
class FoundToxiproxy implements ToxiproxyService {
  readonly managed = false;
  readonly url: string;
  readonly client: ToxiproxyClient;
  readonly outages: ToxiproxyOutage[] = [];
  private readonly probe: ToxiproxyClient;
  private down = false;
  private stopped = false;

  constructor(private readonly options: ToxiproxyServiceOptions) {
    this.client = new ToxiproxyClient({
      url: options.url,
      timeoutMs: options.timeoutMs,
      onUnreachable: (_what, reason) => this.lost(reason),
    });
    this.url = this.client.url;
    this.probe = new ToxiproxyClient({
      url: options.url,
      timeoutMs: Math.min(options.timeoutMs ?? 5000, 2000),
    });
  }

  private lost(reason: string): void {
    if (this.down || this.stopped) return;
    this.down = true;
    const cause = `its API stopped answering (${reasonText(reason)})`;
    this.outages.push({ t: performance.now(), cause, managed: false, fix: this.whatToDo() });
    this.options.notice?.(
      `Toxiproxy at ${this.url}: ${cause}, and every proxy is gone with it. ${this.whatToDo()}`,
    );
  }

  private whatToDo(): string {
    const again = `start toxiproxy-server at ${this.url} again`;
    return this.options.manage
      ? `hil found that server running and did not start it, so it does not restart it: ${again}, or stop it before a run so hil starts (and restarts) its own.`
      : `hil does not manage that server (toxiproxy.manage: false), so it cannot restart it: ${again}, or set toxiproxy.manage: true in boards.yml to let hil start and restart its own.`;
  }

  async ready(): Promise<void> {
    try {
      await this.probe.version();
    } catch (err) {
      const reason = reasonOf(err);
      if (nobodyAnswered(err)) this.lost(reason);
      throw new HilError(
        'HIL_E_PROXY',
        `Toxiproxy at ${this.url} does not answer (${reasonText(reason)}): toxiproxy-server there has stopped since the run began. ${this.whatToDo()}`,
        { cause: err },
      );
    }
    if (!this.down) return;
    // Someone started it again: the proxies boards were told are made again where they were.
    this.down = false;
    const { made, failed } = await this.client.recreate();
    this.options.notice?.(
      `Toxiproxy at ${this.url} answers again; ${made.length} proxies re-created${failed.length ? `, not: ${failed.join('; ')}` : ''}`,
    );
  }

  watch(everyMs = 1000): () => void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.down) return;
      busy = true;
      this.probe
        .version()
        .catch((err: unknown) => {
          if (nobodyAnswered(err)) this.lost(reasonOf(err));
        })
        .finally(() => {
          busy = false;
        });
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  // Not ours to end: leave it as a run should, every proxy enabled and no toxic left.
  // On an exit path an unreachable server has nothing left to heal, so a failure is ignored.
  stop(): Promise<void> {
    this.stopped = true;
    return this.client.reset().catch(() => {});
  }
}

/**
 * A toxiproxy-server hil started. When it dies (its exit, or its API refusing while it runs) it is
 * started again at the same API port and every proxy is re-created at its address, so boards
 * that were told those ports reconnect there.
 */
class ManagedToxiproxy implements ToxiproxyService {
  readonly managed = true;
  readonly url: string;
  readonly client: ToxiproxyClient;
  readonly outages: ToxiproxyOutage[] = [];
  private child!: ChildProcess;
  private release: () => void = () => {};
  private restarting?: Promise<void>;
  private lastFailure?: string;
  private stopping?: Promise<void>;
  private stopped = false;
  /** A clean end waiting a moment for hil's own shutdown to show, then judged (see `exited`). */
  private settling?: Promise<void>;
  private confirming = false;
  /** Why hil ended the child itself (its API refused while it ran), for the outage's cause. */
  private endedWhy?: string;
  private readonly probe: ToxiproxyClient;

  constructor(
    private readonly binary: string,
    private readonly port: number,
    private readonly options: Omit<ToxiproxyServiceOptions, 'url' | 'manage'>,
    private readonly sink: Sink,
    child: ChildProcess,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.client = new ToxiproxyClient({
      url: this.url,
      timeoutMs: options.timeoutMs,
      onUnreachable: (_what, reason) => this.unreachable(reason),
    });
    this.probe = new ToxiproxyClient({ url: this.url, timeoutMs: 2000 });
    this.adopt(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private say(line: string): void {
    this.sink.write(`hil: ${line}`);
    this.options.notice?.(line);
  }

  private adopt(child: ChildProcess): void {
    this.child = child;
    // Ended on a signal: that is a stop, not a death to restart from.
    this.release = guardSignals(child, this.options.handleSignals !== false, () => {
      this.stopped = true;
    });
    if (!alive(child)) this.exited(child, child.exitCode, child.signalCode);
    else child.once('exit', (code, signal) => this.exited(child, code, signal));
  }

  /** hil is ending the run: nothing is restarted from now on. */
  private shuttingDown(): boolean {
    return this.stopped || this.options.shutdown?.aborted === true;
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child || this.stopped) return;
    this.release();
    // Exit code 0 is toxiproxy-server's own end on SIGINT or SIGTERM.
    const clean = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
    if (!clean || this.shuttingDown()) {
      this.died(child, code, signal, clean);
      return;
    }
    // A group Ctrl-C reaches hil and the server at once; hil's handler may not have run yet.
    this.settling = sleep(CLEAN_END_GRACE_MS, this.options.shutdown).then(() => {
      this.settling = undefined;
      this.died(child, code, signal, clean);
    });
  }

  private died(
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    clean: boolean,
  ): void {
    if (child !== this.child || this.stopped) return;
    // The Ctrl-C's (or the run's close's) doing: nothing died that the run must hear of.
    if (clean && this.shuttingDown()) return;
    const cause =
      this.endedWhy ??
      (signal
        ? `killed by ${signal}`
        : code === 0
          ? 'it shut down: exit code 0, as on a SIGINT or SIGTERM sent to it'
          : `exited with code ${code}`);
    this.endedWhy = undefined;
    const outage: ToxiproxyOutage = { t: performance.now(), cause, managed: true, exit: { code, signal } };
    this.outages.push(outage);
    if (this.shuttingDown()) {
      // Not the Ctrl-C's doing (a SIGKILL, a crash), so said; but a restart now would race the stop.
      outage.recovery = { restarted: false, ms: 0, error: 'hil was stopping the run' };
      this.say(
        `toxiproxy-server (pid ${child.pid}) died (${cause}) while hil was stopping; not restarting it`,
      );
      return;
    }
    this.say(`toxiproxy-server (pid ${child.pid}) died (${cause}); restarting it on ${this.url}`);
    this.restartNow(outage);
  }

  private restartNow(outage?: ToxiproxyOutage): Promise<void> {
    const run = (this.restarting ?? Promise.resolve()).then(() => this.restart(outage));
    this.restarting = run;
    void run.finally(() => {
      if (this.restarting === run) this.restarting = undefined;
    });
    return run;
  }

  /** Never rejects: the outcome is the outage's `recovery` (and `lastFailure`). */
  private async restart(outage?: ToxiproxyOutage): Promise<void> {
    const since = outage?.t ?? performance.now();
    const failures: string[] = [];
    let child: ChildProcess | undefined;
    // The old server's port is ours again at once (Go listens with SO_REUSEADDR); someone else may hold it.
    for (let attempt = 1; attempt <= 3 && !child && !this.shuttingDown(); attempt++) {
      const started = await startOnce(this.binary, this.options, this.sink, this.port, () =>
        this.shuttingDown(),
      );
      if ('child' in started) child = started.child;
      else failures.push(started.failure);
    }
    if (this.shuttingDown()) {
      if (child) await kill(child);
      if (outage)
        outage.recovery = {
          restarted: false,
          ms: performance.now() - since,
          error: 'hil was stopping the run',
        };
      return;
    }
    let recovery: ToxiproxyRecovery;
    if (!child) {
      const error = `it did not start on port ${this.port}: ${failures.join('; ')}`;
      recovery = { restarted: false, ms: performance.now() - since, error };
      this.lastFailure = error;
      this.say(`toxiproxy-server could not be restarted: ${error}`);
    } else {
      this.adopt(child);
      const { made, failed } = await this.client.recreate();
      const ms = performance.now() - since;
      recovery = { restarted: true, ms, pid: child.pid, proxies: made, failed };
      this.lastFailure = undefined;
      this.say(
        `toxiproxy-server restarted (pid ${child.pid}) ${Math.round(ms)} ms ${outage ? 'after it died' : 'after the retry began'}; ${made.length} ` +
          `proxies re-created at their addresses${failed.length ? `; not re-created: ${failed.join('; ')}` : ''}`,
      );
    }
    if (outage) outage.recovery = recovery;
  }

  /** A call found nobody at the API while the child runs: a moment for its exit to show, then a check. */
  private unreachable(reason: string): void {
    const child = this.child;
    if (this.shuttingDown() || this.settling || this.restarting || this.confirming || !alive(child)) return;
    this.confirming = true;
    setTimeout(async () => {
      try {
        if (child !== this.child || this.stopped || !alive(child)) return;
        const refused = await this.probe.version().then(
          () => false,
          (err: unknown) => nobodyAnswered(err),
        );
        if (refused && child === this.child && alive(child)) {
          this.endedWhy = `its API stopped answering (${reasonText(reason)}); hil ended it`;
          child.kill('SIGKILL');
        }
      } finally {
        this.confirming = false;
      }
    }, 500).unref();
  }

  async ready(): Promise<void> {
    if (this.stopped) throw new HilError('HIL_E_PROXY', `toxiproxy-server at ${this.url} was stopped`);
    await this.settling;
    await this.restarting;
    // The last restart failed: once more, a scenario later.
    if (!alive(this.child) && !this.shuttingDown()) await this.restartNow();
    if (!alive(this.child) && this.shuttingDown()) {
      throw new HilError(
        'HIL_E_PROXY',
        `toxiproxy-server at ${this.url} ended while hil was stopping the run`,
      );
    }
    if (!alive(this.child)) {
      throw new HilError(
        'HIL_E_PROXY',
        `toxiproxy-server (started by hil on ${this.url}) died and could not be restarted: ` +
          `${this.lastFailure ?? 'it is not running'}. See toxiproxy.log in the run's folder, or run ${this.binary} by hand to see why.`,
      );
    }
  }

  watch(): () => void {
    return () => {};
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      this.release();
      // A restart under way sees `stopped` and ends what it started.
      await this.settling;
      await this.restarting;
      await kill(this.child);
      this.sink.close();
    })();
    return this.stopping;
  }
}

/**
 * One start of the binary on `port`: its child once the API answering there is proven ours,
 * or why not (the child then ended). `cancelled` stops the wait early (the service is stopping).
 */
async function startOnce(
  binary: string,
  options: Omit<ToxiproxyServiceOptions, 'url' | 'manage'>,
  sink: Sink,
  port: number,
  cancelled: () => boolean = () => false,
): Promise<{ child: ChildProcess } | { failure: string }> {
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

  const probe = new ToxiproxyClient({ url, timeoutMs: 1000 });
  const deadline = performance.now() + (options.startTimeoutMs ?? 10_000);
  let failure: string | undefined;
  try {
    for (;;) {
      if (exited) {
        failure = `it ${exited}: ${lastLines(tail)}`;
        break;
      }
      if (cancelled()) {
        failure = 'hil is stopping it';
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
  if (!failure) {
    try {
      await probe.removeProxy(marker);
    } catch (err) {
      failure = `its API failed once up: ${(err as Error).message}`;
    }
  }
  if (failure) {
    await kill(child);
    return { failure };
  }
  return { child };
}

/**
 * Ends the child (with `signals`) on SIGINT and SIGTERM, the signal then re-raised if nobody
 * else handles it; `killOnExit` ends it when this process exits however it does. A caller that heals faults on Ctrl-C
 * handles the signals itself and stops the server after healing.
 */
function guardSignals(child: ChildProcess, signals: boolean, onStop: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    onStop();
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

/** How long a clean end of the server waits for hil's own SIGINT/SIGTERM handler to run, ms. */
const CLEAN_END_GRACE_MS = 200;

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
