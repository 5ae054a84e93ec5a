import { join } from 'node:path';
import type { LineLink } from '../board/line-link.js';
import type { Observation } from '../board/observation.js';
import { openConsoleLink } from '../board/open-board.js';
import type { BoardEvent } from '../board/protocol.js';
import { toOps } from '../board/record.js';
import { BoardSession } from '../board/session.js';
import type { BoardConsole, ConsolePort } from '../board/transport.js';
import type { ConnectRecord, RefusedRecord } from '../broker/records.js';
import { resetBoard } from '../deploy/reset.js';
import type { BoardControl, BoardOp, FaultBoard } from '../faults/context.js';
import type { ProxyHandle } from '../network/toxiproxy.js';
import { sleep } from '../spec/clock.js';
import { HilError } from '../spec/errors.js';
import { parseHostPort } from '../spec/host-port.js';
import { boardLogin } from '../spec/mqtt-login.js';
import type { HostPort } from '../spec/types.js';
import { openBoard, resetTargetOf, transportOf } from '../transports/open.js';
import { brokerHostFor } from './advertise.js';
import { clientIdOf, topicPrefix } from './broker-ops.js';
import { LineLog } from './line-log.js';
import { type MqttSeen, mqttSeenText } from './mqtt-seen.js';
import type { BoardPlan } from './plan.js';
import { type ProxyPath, proxyPath } from './proxy-path.js';
import type { RackServices } from './rack.js';
import { HistoryRecorder, type RawOp } from './recorder.js';
import { attemptsText, methodLabel, type ResetStep } from './recovery.js';

/** How long the agent's own reset has to bring a new boot before the rack's methods are tried, ms. */
const AGENT_BOOT_MS = 10_000;
const text = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** How long a reset command may run, ms. */
const COMMAND_MS = 30_000;

export interface BoardDriverOptions {
  plan: BoardPlan;
  services: RackServices;
  /** Folder for this board's files in this scenario (history, serial log). */
  dir: string;
  /** Sent with `hello`; also the epoch of down traffic. */
  runId: string;
  /** How long the board may take to answer, take its config and connect to the broker. */
  readyTimeoutMs?: number;
  /** Tells how the board's connection reached the broker (tests fake it); default `proxyPath`. */
  proxyPath?: typeof proxyPath;
  log?: (line: string) => void;
  /** Called with each op the board's agent gave, once recorded (the runner's progress counts `received`). */
  onAgentOp?: (op: RawOp) => void;
}

/**
 * One board through one scenario (labgrid's strategy: bring it to "agent running and
 * connected"): its proxy, its console (through its transport), its session, and its recorder.
 * `start` never throws: a board that cannot get ready carries `notReady` with the reason,
 * so one dead cable makes one result `error`, never the night.
 */
export class BoardDriver {
  readonly id: string;
  readonly recorder: HistoryRecorder;
  session?: BoardSession;
  proxy?: ProxyHandle;
  notReady?: string;
  /**
   * Set when the board failed its health check and no reset of its ladder brought it back: it
   * cannot be recovered, so the run leaves it out of later scenarios (`error`, with this reason).
   */
  unrecoverable?: string;
  /** Set when the board's connection went around its proxy: the address it was told, and where it came from. */
  offProxy?: { proxy: string; from: string };
  /** Last MQTT state the agent reported, for progress lines. */
  mqttState = 'unknown';
  private link?: LineLink;
  private console?: BoardConsole;
  private port?: ConsolePort;
  /** The config op the board was given at bring-up: given again after every boot the run sees. */
  private configOp?: Parameters<BoardSession['config']>[0];
  /** Waits for a reset's outcome under way: close ends them. */
  private readonly waits = new Set<() => void>();
  /** A reboot's ladder under way (close waits for it). */
  private rebooting?: Promise<void>;
  /** Re-sending hello and config after a boot, one at a time. */
  private reattaching?: Promise<void>;
  private closed = false;
  /** The broker refused the board's MQTT login: a wrong password, which no reset mends. */
  private loginRefused = false;
  private serialLog: LineLog;
  private t0 = Number.NaN;
  /** The bring-up step under way, for the error when the whole takes too long. */
  private step = 'queued';
  private readonly watchers = new Set<(op: BoardOp) => void>();
  /** The broker's view of the board's client: connected or not, once seen. */
  private atBroker: boolean | undefined;

  constructor(private readonly opts: BoardDriverOptions) {
    this.id = opts.plan.board.id;
    this.recorder = new HistoryRecorder(this.id, join(opts.dir, 'history.jsonl'));
    // Written as lines arrive: a crash of hil leaves the board's console on disk.
    this.serialLog = new LineLog(join(opts.dir, 'serial.log'), {
      onError: (err) => opts.log?.(`board "${this.id}": serial.log: ${err.message}`),
    });
  }

  /** How long the board has to answer hello and connect: the run's override, else boards.yml `ready:`. */
  private get readyMs(): number {
    return this.opts.readyTimeoutMs ?? this.opts.plan.board.readyMs;
  }

  /**
   * Brings the board up (labgrid's strategy) and is its health check: its proxy, its console,
   * hello and MQTT connected within the ready time. A board that fails the check is reset up its
   * ladder (the agent's reset when it answered, then boards.yml `reset:` in order, then a
   * virtual board's power cycle) and checked again after each; every attempt is a `board-reset`
   * op. Never throws (see the class comment); the whole is bounded, so no step waits in silence.
   */
  async start(): Promise<this> {
    const rungs = this.opts.plan.board.reset.length + 2;
    const bound = rungs * (3 * this.readyMs + COMMAND_MS);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`board "${this.id}": not up within ${bound} ms (at: ${this.step})`)),
        bound,
      );
    });
    try {
      await Promise.race([this.bringUp(), late]);
    } catch (err) {
      this.notReady = err instanceof Error ? err.message : String(err);
      this.recorder.record({ t: performance.now(), kind: 'error', msg: `not ready: ${this.notReady}` });
    } finally {
      clearTimeout(timer);
    }
    return this;
  }

  /** Leaves the board out of this scenario: not ready, with why (the run quarantined it). */
  skip(why: string): void {
    this.notReady = why;
    this.recorder.record({ t: performance.now(), kind: 'error', msg: `not ready: ${why}` });
  }

  private async bringUp(): Promise<void> {
    const { plan, services } = this.opts;
    const board = plan.board;
    this.step = 'its Toxiproxy proxy';
    this.proxy = await services.toxiproxy.client.ensureProxy({
      name: board.id,
      listen: board.listen ?? { host: '127.0.0.1', port: 0 },
      upstream: services.broker.upstream,
    });
    // Boards on this host reach their proxy on loopback; real ones at the proxy's own address,
    // or this host's address when the proxy listens on every interface.
    const host = brokerHostFor(this.proxy.listen.host, transportOf(board).advertise);
    const brokerAddress = { host, port: this.proxy.listen.port };
    const tried: string[] = [];
    let rung = 0;
    let resetAt = 0;
    let answered = false;
    let failure: unknown;
    let checkAgain = true;
    for (;;) {
      if (checkAgain) {
        answered = false;
        try {
          await this.healthCheck(
            brokerAddress,
            () => {
              answered = true;
            },
            tried.length ? this.readyMs : 0,
          );
          if (tried.length) this.recordReset('unhealthy', tried.at(-1) as string, 'booted', resetAt);
          return;
        } catch (err) {
          // Going around the proxy, or a refused login, is the rack's wiring, not a hang: no reset mends it.
          if (this.offProxy || this.loginRefused) throw err;
          failure = err;
          if (tried.length)
            this.recordReset('unhealthy', tried.at(-1) as string, 'no-boot', resetAt, text(err));
        }
      }
      // The agent can reset only a board whose agent answered.
      const ladder = this.ladder();
      const k = ladder.findIndex((s, i) => i >= rung && (s.method !== 'agent' || answered));
      const next = ladder[k];
      if (!next) {
        if (!tried.length) throw failure;
        // "no answer": not even its agent spoke; "not healthy": it spoke, but did not connect.
        this.unrecoverable = `${answered ? 'not healthy' : 'no answer'} after ${attemptsText(tried)}: ${text(failure)}`;
        throw new Error(this.unrecoverable);
      }
      rung = k + 1;
      this.step = `resetting it (${next.method})`;
      this.opts.log?.(
        `board "${this.id}": failed its health check (${text(failure)}); resetting it: ${next.method}`,
      );
      resetAt = performance.now();
      try {
        await next.run();
        tried.push(next.method);
        checkAgain = true;
      } catch (e) {
        // The method itself failed (no such command, a PTY without DTR): on to the next, no check.
        this.recordReset('unhealthy', next.method, 'failed', resetAt, text(e));
        tried.push(`${next.method} (failed: ${text(e)})`);
        checkAgain = false;
      }
    }
  }

  /**
   * The board's reset ladder: its agent's `reset`, boards.yml `reset:` methods in order, and a
   * power cycle where hil started the board itself (a virtual board).
   */
  private ladder(): ResetStep[] {
    const board = this.opts.plan.board;
    const steps: ResetStep[] = [
      {
        method: 'agent',
        run: async () => {
          if (!this.session) throw new Error('no session');
          await this.session.reset();
        },
      },
    ];
    for (const m of board.reset) {
      steps.push({
        method: methodLabel(m),
        run: () =>
          resetBoard(
            m,
            this.console
              ? resetTargetOf(board, this.console, this.port)
              : {
                  board: board.id,
                  ...(typeof board.transport.path === 'string' && { path: board.transport.path }),
                },
            { commandTimeoutMs: COMMAND_MS },
          ),
      });
    }
    const restart = this.console?.restart;
    if (restart) steps.push({ method: 'power cycle', run: () => restart() });
    return steps;
  }

  private recordReset(
    why: 'reboot' | 'unhealthy',
    method: string,
    outcome: 'booted' | 'refused' | 'no-boot' | 'failed',
    since: number,
    detail?: string,
    last?: boolean,
  ): void {
    const t = performance.now();
    this.record({
      t,
      kind: 'board-reset',
      why,
      method,
      outcome,
      ms: Math.round(t - since),
      ...(detail !== undefined && { detail }),
      ...(last && { last: true as const }),
    });
  }

  /** Opens what is not open (the console, its link and session), then hello, config and MQTT connected. */
  private async healthCheck(
    brokerAddress: HostPort,
    onAnswer: () => void,
    /** After a reset: how long its port may take to appear (a hub port powered up, USB enumerating), ms. */
    appearMs = 0,
  ): Promise<void> {
    const { plan, runId } = this.opts;
    const board = plan.board;
    const timeout = this.readyMs;
    const until = performance.now() + appearMs;
    if (!this.console) {
      this.step = 'opening its console';
      this.console = await retryUntil(until, () =>
        openBoard(board, {
          broker: brokerAddress,
          modelOptions: plan.modelOptions,
          log: this.opts.log,
          waitForConfig: true,
        }),
      );
    }
    if (!this.link || this.link.gone) {
      this.step = 'opening its console';
      await this.session?.close().catch(() => {});
      const console = this.console;
      this.link = await retryUntil(until, () =>
        openConsoleLink(console, {
          board: board.id,
          onPort: (port) => {
            this.port = port;
          },
        }),
      );
      this.link.on('line', (line) => this.logLine(line.t, line.text));
      // serial.log says where the port went and came back, between the board's own lines.
      this.link.on('away', (err) => this.logLine(performance.now(), `[hil] ${err.message}`));
      this.link.on('back', (b) =>
        this.logLine(performance.now(), `[hil] serial port back at ${b.at} after ${Math.round(b.awayMs)} ms`),
      );
      this.link.on('gone', (err) => this.logLine(performance.now(), `[hil] ${err.message}`));
      this.attach(new BoardSession(this.link, { run: runId }));
    }
    const session = this.session as BoardSession;
    this.step = 'hello';
    await session.hello(timeout);
    onAnswer();
    this.step = 'config and MQTT connect';
    const login = boardLogin(board);
    const connects = this.watchConnects();
    const refused = this.watchRefusals();
    // What the agent says meanwhile, to tell "12 × connecting" from silence when `connected` never comes.
    const seen: MqttSeen[] = [];
    const onEvent = (e: BoardEvent, t: number) => {
      if (e.ev === 'mqtt') seen.push({ state: e.state, t });
    };
    session.on('event', onEvent);
    const since = performance.now();
    try {
      const connected = session.waitForEvent(
        'mqtt',
        (e) => e.state === 'connected',
        timeout,
        'mqtt connected',
      );
      this.configOp = {
        broker: `${brokerAddress.host}:${brokerAddress.port}`,
        topic: topicPrefix(board.id),
        client_id: clientIdOf(board.id),
        ...(login && { username: login.username, password: login.password }),
        deadlines: plan.deadlines,
      };
      await session.config(this.configOp);
      // A refused login ends the wait at once: it reads as a wrong password, not as a timeout.
      await Promise.race([connected, refused.promise]).catch((err: unknown) => {
        if (!(err instanceof HilError) || err.code !== 'HIL_E_TIMEOUT') throw err;
        throw new HilError(
          'HIL_E_TIMEOUT',
          `${err.message} of its config (to ${brokerAddress.host}:${brokerAddress.port}); seen: ${mqttSeenText(seen, since)}`,
        );
      });
      this.step = 'checking that it connects through its proxy';
      await this.checkProxyPath(brokerAddress, await connects.latest(2000));
    } finally {
      connects.stop();
      refused.stop();
      session.off('event', onEvent);
    }
  }

  /** Rejects at the broker's first refusal of this board's login from now on (the embedded broker's records). */
  private watchRefusals(): { promise: Promise<never>; stop(): void } {
    const clientId = clientIdOf(this.id);
    const origin = this.opts.plan.board.mqtt?.origin;
    let stop = () => {};
    const promise = new Promise<never>((_, reject) => {
      stop = this.opts.services.broker.onRecord((r) => {
        if (r.kind !== 'refused' || r.clientId !== clientId) return;
        this.loginRefused = true;
        reject(new HilError('HIL_E_BOARD', refusalText(this.id, r, origin)));
      });
    });
    promise.catch(() => {});
    return { promise, stop: () => stop() };
  }

  /** Takes a new session: its observations become ops; a boot after bring-up gets hello and config again. */
  private attach(session: BoardSession): void {
    this.session = session;
    session.on('observation', (o) => {
      for (const op of toOps(o, this.id)) {
        const { board: _b, ...raw } = op;
        this.record(raw);
        this.opts.onAgentOp?.(raw);
      }
      if (o.kind === 'event' && o.event.ev === 'mqtt') this.mqttState = o.event.state;
    });
    session.on('boot', () => {
      if (!Number.isNaN(this.t0) && this.configOp && !this.closed) this.reattach(session);
    });
  }

  /**
   * A board that booted mid-run lost the config an app is given at start (a firmware that keeps
   * it in a file takes the same config as no change): say hello until it answers, then config.
   */
  private reattach(session: BoardSession): void {
    const prior = this.reattaching ?? Promise.resolve();
    this.reattaching = prior.then(async () => {
      if (this.closed || session !== this.session || !this.configOp) return;
      try {
        await session.hello(this.readyMs);
        await session.config(this.configOp);
      } catch (err) {
        this.opts.log?.(
          `board "${this.id}": could not configure it again after its boot: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    });
  }

  /**
   * A scheduled reboot: the agent's reset, and when it refuses or no boot follows, the rack's
   * methods in turn; each attempt a `board-reset` op. Resolves once the first method was carried
   * out (the fault starts then); the rest of the ladder goes on meanwhile. Rejects when none could be.
   */
  private reboot(): Promise<void> {
    const steps = this.ladder();
    let issued: () => void = () => {};
    let none: (err: Error) => void = () => {};
    const first = new Promise<void>((resolve, reject) => {
      issued = resolve;
      none = reject;
    });
    const errors: string[] = [];
    this.rebooting = (async () => {
      for (const [i, step] of steps.entries()) {
        const last = i === steps.length - 1;
        const at = performance.now();
        const outcome = this.bootOutcome(step.method === 'agent' ? AGENT_BOOT_MS : this.readyMs);
        try {
          await step.run();
        } catch (err) {
          outcome.cancel();
          const why = err instanceof Error ? err.message : String(err);
          errors.push(`${step.method}: ${why}`);
          this.recordReset('reboot', step.method, 'failed', at, why, last);
          continue;
        }
        issued();
        if (this.closed) return;
        const seen = await outcome.result;
        this.recordReset(
          'reboot',
          step.method,
          seen.outcome,
          at,
          seen.detail,
          last || seen.outcome === 'booted',
        );
        if (seen.outcome === 'booted' || this.closed) return;
      }
      none(new Error(`no reset method could be carried out: ${errors.join('; ')}`));
    })();
    return first;
  }

  /**
   * What follows a reset: a new boot, the agent refusing it, or nothing within `ms`. A port away
   * meanwhile (native USB re-enumerating) holds the wait until it is back or gone.
   */
  private bootOutcome(ms: number): {
    result: Promise<{ outcome: 'booted' | 'refused' | 'no-boot'; detail?: string }>;
    cancel(): void;
  } {
    const session = this.session;
    if (!session)
      return { result: Promise.resolve({ outcome: 'no-boot', detail: 'no session' }), cancel: () => {} };
    type Seen = { outcome: 'booted' | 'refused' | 'no-boot'; detail?: string };
    let settle: (s: Seen) => void = () => {};
    const result = new Promise<Seen>((resolve) => {
      settle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    let away = false;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!away) done({ outcome: 'no-boot', detail: `no new boot within ${ms} ms` });
      }, ms);
      timer.unref();
    };
    const onObservation = (o: Observation) => {
      if (o.kind === 'boot')
        done({ outcome: 'booted', detail: o.line ?? `hello ${String(o.boot ?? '')}`.trim() });
      else if (o.kind === 'event' && o.event.ev === 'error' && o.event.msg.includes('reset'))
        done({ outcome: 'refused', detail: o.event.msg });
      else if (o.kind === 'away') away = true;
      else if (o.kind === 'back') {
        // Back from re-enumerating: the hello the session sends now tells whether it booted.
        away = false;
        arm();
      } else if (o.kind === 'gone') done({ outcome: 'no-boot', detail: o.error.message });
    };
    const done = (s: Seen) => {
      clearTimeout(timer);
      session.off('observation', onObservation);
      settle(s);
    };
    const cancel = () => done({ outcome: 'no-boot', detail: 'cancelled: the scenario ended' });
    this.waits.add(cancel);
    void result.then(() => this.waits.delete(cancel));
    session.on('observation', onObservation);
    arm();
    return { result, cancel };
  }

  /** The broker's connect records of this board's client, from now on (an external broker gives none). */
  private watchConnects(): { latest(waitMs: number): Promise<ConnectRecord | undefined>; stop(): void } {
    const clientId = clientIdOf(this.id);
    let last: ConnectRecord | undefined;
    let wake: (() => void) | undefined;
    const stop = this.opts.services.broker.onRecord((r) => {
      if (r.kind !== 'connect' || r.clientId !== clientId) return;
      last = r;
      wake?.();
    });
    return {
      stop,
      // The agent's `connected` may come before the broker's record of it: wait a little.
      latest: async (waitMs) => {
        if (!last && this.opts.services.broker.kind === 'embedded') {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            timer = setTimeout(resolve, waitMs);
          });
          clearTimeout(timer);
        }
        return last;
      },
    };
  }

  /**
   * A board whose connection went around its proxy would pass every proxy fault untested: it is
   * not ready (`offProxy`), before t = 0 and any fault. Where it cannot be told, the log says so.
   */
  private async checkProxyPath(told: HostPort, connect: ConnectRecord | undefined): Promise<void> {
    const { services } = this.opts;
    if (services.broker.kind !== 'embedded' || !this.proxy) return;
    const addr = `${told.host}:${told.port}`;
    const path: ProxyPath = connect
      ? await (this.opts.proxyPath ?? proxyPath)({
          from: connect.from,
          proxyPort: this.proxy.listen.port,
          brokerPort: parseHostPort(services.broker.upstream).port,
        })
      : { via: 'unknown', why: 'the broker recorded no connect of its client' };
    if (path.via === 'unknown') {
      this.opts.log?.(
        `board "${this.id}": cannot tell whether it connects through its proxy at ${addr} (${path.why})`,
      );
      return;
    }
    if (path.via === 'proxy') return;
    const from = path.from.host.includes(':')
      ? `[${path.from.host}]:${path.from.port}`
      : `${path.from.host}:${path.from.port}`;
    this.offProxy = { proxy: addr, from };
    throw new Error(
      `board ${this.id} connects to the broker directly, not through its proxy at ${addr} (the broker saw it come from ${from})`,
    );
  }

  /** Records one op of this board (absolute time) and shows it to the faults watching. */
  record(op: RawOp): void {
    this.recorder.record(op);
    if (op.kind === 'client' && op.clientId === clientIdOf(this.id)) this.atBroker = op.event === 'connect';
    for (const w of [...this.watchers]) w(op);
  }

  /** What faults may make this board do, and what they watch to see it done. */
  faultBoard(): FaultBoard {
    // The ladder after the agent's own reset.
    const fallbacks = this.ladder()
      .slice(1)
      .map((s) => s.method);
    const control: BoardControl | undefined = this.session && {
      wifi: async (up) => {
        if (!this.session) throw new Error(`board ${this.id}: no session`);
        return this.session.wifi(up);
      },
      reset: () => this.reboot(),
      resetFallbacks: fallbacks,
      resetWithinMs: AGENT_BOOT_MS + fallbacks.length * (this.readyMs + COMMAND_MS),
    };
    return {
      id: this.id,
      wifi: this.opts.plan.board.wifi,
      clientId: clientIdOf(this.id),
      ...(control && { control }),
      watch: (listener) => {
        this.watchers.add(listener);
        return () => this.watchers.delete(listener);
      },
      connectedAtBroker: () => this.atBroker,
    };
  }

  setT0(t0: number): void {
    this.t0 = t0;
    this.recorder.setT0(t0);
  }

  private logLine(t: number, text: string): void {
    const rel = Number.isNaN(this.t0) ? 'setup' : `${((t - this.t0) / 1000).toFixed(3)}s`;
    this.serialLog.write(`[${rel}] ${text}`);
  }

  /** Ends the session, the board's console (and its process, if any) and the serial log; safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    // Closing the session first ends the waits of a reattach or a reboot under way.
    await this.session?.close().catch(() => {});
    for (const cancel of [...this.waits]) cancel();
    await this.reattaching?.catch(() => {});
    await this.rebooting?.catch(() => {});
    await this.link?.close().catch(() => {});
    await this.console?.stop().catch(() => {});
    this.session = undefined;
    this.link = undefined;
    this.console = undefined;
    this.serialLog.close();
  }
}

function refusalText(
  board: string,
  r: RefusedRecord,
  origin: { file: string; line: number } | undefined,
): string {
  const where = origin ? `${origin.file}:${origin.line}` : 'boards.yml (it gives this board none)';
  return `board ${board}: the broker refused its MQTT login (CONNACK ${r.returnCode}, ${r.reason}); check mqtt at ${where} and that its firmware uses the username and password of its config`;
}

/** Calls `open` until it succeeds or `until` (host ms) has passed, every 250 ms; then its last error. */
async function retryUntil<T>(until: number, open: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await open();
    } catch (err) {
      if (performance.now() + 250 > until) throw err;
      await sleep(250);
    }
  }
}
