import { join } from 'node:path';
import type { LineLink } from '../board/line-link.js';
import type { BoardEvent } from '../board/protocol.js';
import { toOps } from '../board/record.js';
import { BoardSession } from '../board/session.js';
import type { BoardConsole } from '../board/transport.js';
import type { ConnectRecord, RefusedRecord } from '../broker/records.js';
import type { BoardControl, BoardOp, FaultBoard } from '../faults/context.js';
import type { ProxyHandle } from '../network/toxiproxy.js';
import { HilError } from '../spec/errors.js';
import { parseHostPort } from '../spec/host-port.js';
import { boardLogin } from '../spec/mqtt-login.js';
import type { HostPort } from '../spec/types.js';
import { openBoardLink, transportOf } from '../transports/open.js';
import { brokerHostFor } from './advertise.js';
import { clientIdOf, topicPrefix } from './broker-ops.js';
import { LineLog } from './line-log.js';
import { type MqttSeen, mqttSeenText } from './mqtt-seen.js';
import type { BoardPlan } from './plan.js';
import { type ProxyPath, proxyPath } from './proxy-path.js';
import type { RackServices } from './rack.js';
import { HistoryRecorder, type RawOp } from './recorder.js';

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
  /** Set when the board's connection went around its proxy: the address it was told, and where it came from. */
  offProxy?: { proxy: string; from: string };
  /** Last MQTT state the agent reported, for progress lines. */
  mqttState = 'unknown';
  private link?: LineLink;
  private console?: BoardConsole;
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

  /**
   * Brings the board up; never throws (see the class comment). Each step has its own timeout;
   * the whole is bounded too (3 × the ready timeout), so no step can wait in silence.
   */
  async start(): Promise<this> {
    const bound = 3 * (this.opts.readyTimeoutMs ?? 30_000);
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

  private async bringUp(): Promise<void> {
    const { plan, services, runId } = this.opts;
    const board = plan.board;
    const timeout = this.opts.readyTimeoutMs ?? 30_000;
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
    this.step = 'opening its console';
    const opened = await openBoardLink(board, {
      broker: brokerAddress,
      modelOptions: plan.modelOptions,
      log: this.opts.log,
    });
    this.console = opened.board;
    this.link = opened.link;
    this.link.on('line', (line) => this.logLine(line.t, line.text));
    const session = new BoardSession(this.link, { run: runId });
    this.session = session;
    session.on('observation', (o) => {
      for (const op of toOps(o, this.id)) {
        const { board: _b, ...raw } = op;
        this.record(raw);
        this.opts.onAgentOp?.(raw);
      }
      if (o.kind === 'event' && o.event.ev === 'mqtt') this.mqttState = o.event.state;
    });
    this.step = 'hello';
    await session.hello(timeout);
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
      await session.config({
        broker: `${brokerAddress.host}:${brokerAddress.port}`,
        topic: topicPrefix(board.id),
        client_id: clientIdOf(board.id),
        ...(login && { username: login.username, password: login.password }),
        deadlines: plan.deadlines,
      });
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
        reject(new HilError('HIL_E_BOARD', refusalText(this.id, r, origin)));
      });
    });
    promise.catch(() => {});
    return { promise, stop: () => stop() };
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
    const session = this.session;
    const control: BoardControl | undefined = session && {
      wifi: async (up) => {
        await session.wifi(up);
      },
      reset: async () => {
        await session.reset();
      },
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
    await this.session?.close().catch(() => {});
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
