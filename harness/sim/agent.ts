import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import {
  AGENT_VERSION,
  type BoardEvent,
  decodeOp,
  encodeEvent,
  type HostOp,
  PREFIX,
} from '../board/protocol.js';
import { parseDuration } from '../spec/duration.js';
import { AppLoop, Stopped } from './app-loop.js';
import type { ModelName, ModelOptionValue } from './model-options.js';
import { MODELS } from './models/index.js';
import { type Command, type Model, type ModelContext, ModelOptions, type Target } from './models/model.js';
import { Radio } from './radio.js';
import { PyException } from './traceback.js';

export interface AgentSpec {
  board: string;
  fw: string;
  model: ModelName;
  options: Record<string, ModelOptionValue>;
  /** The firmware's built-in broker, used until a `config` op says otherwise. */
  broker: { host: string; port: number };
  /** How long a reboot keeps the board silent (ms). */
  rebootMs?: number;
  /**
   * Connect only once a `config` op has come, as the project's apps do, never with the built-in
   * identity (hil's runs). Its persistent session would otherwise outlive the board's process and
   * hand the next scenario's board the commands queued for it meanwhile. Off: the built-in
   * broker at power-on (the simulator's own tests).
   */
  waitForConfig?: boolean;
}

export const BANNER = 'MicroPython v1.24.1 on 2024-11-29; Raspberry Pi Pico W with RP2040';

/** The app running on one boot: its loop and the model (replaced by a new `config`). */
interface Running {
  loop: AppLoop;
  model?: Model;
  abort?: AbortController;
  /** The model has reported `mqtt connected` since it started. */
  connected?: boolean;
}

/**
 * The board's firmware: the agent (serial protocol, WiFi control, reset) inside the app (one
 * MQTT library, as its model), as hil's MicroPython agent is: what arrives on serial is read
 * when the app polls its agent, between rounds of its loop or in a wait that polls (AppLoop).
 * `hello`, `wifi` and `reset` are done then; `config` and `emit` become jobs of the app's loop.
 * An app blocked in a socket call reads nothing: no `hello` answer, no `wifi up`, no reset.
 */
export class Agent {
  readonly radio = new Radio();
  #boot = 0;
  #bootAt = 0;
  #target: Target;
  /** A `config` op set the target (the built-in one is replaced by the first, always). */
  #configured = false;
  #app: Running | undefined;
  #rebooting = false;
  #off = false;

  constructor(
    private readonly spec: AgentSpec,
    private readonly write: (text: string) => void,
    /** Where a fault of the simulator itself is told (not the serial console). */
    private readonly diag: (text: string) => void = (text) => process.stderr.write(text),
  ) {
    this.#target = {
      host: spec.broker.host,
      port: spec.broker.port,
      prefix: `hil/${spec.board}`,
      clientId: spec.board,
      deadlines: {},
    };
  }

  /** Power-on: banner, hello, WiFi up, the app connects with the last config it was given. */
  boot(): void {
    this.#boot = randomInt(1, 2 ** 31 - 1);
    this.#bootAt = performance.now();
    this.#print(BANNER);
    this.#send({
      ev: 'hello',
      agent: AGENT_VERSION,
      board: this.spec.board,
      fw: this.spec.fw,
      boot: this.#boot,
      t: this.ticks(),
    });
    this.radio.setUp(true);
    this.#send({ ev: 'net', state: 'up' });
    const loop = new AppLoop((err) => this.#crashed(err));
    this.#app = { loop };
    if (!this.spec.waitForConfig || this.#configured) loop.push(() => this.#startModel());
  }

  /** `time.ticks_ms()`: ms since boot, wrapping at 2^30 as MicroPython's does. */
  ticks(): number {
    return Math.floor(performance.now() - this.#bootAt) & (2 ** 30 - 1);
  }

  /** One line from the host: read when the app next polls its agent. */
  line(raw: string): void {
    if (this.#rebooting) return;
    this.#app?.loop.serial(() => this.#read(raw));
  }

  #read(raw: string): void {
    if (this.#rebooting) return;
    const text = raw.replace(/\r$/, '');
    const at = text.indexOf(PREFIX);
    // Anything else (a stray newline, REPL control bytes) is not for the agent.
    if (at < 0) return;
    const op = decodeOp(text.slice(at));
    const problem = op ? this.#op(op) : `cannot read op: ${text.slice(0, 120)}`;
    if (problem) this.#send({ ev: 'error', msg: problem });
  }

  /** Power off: stop the app, for good (a reboot under way does not boot); the caller closes the sockets. */
  shutdown(): void {
    this.#off = true;
    this.#stopApp(false);
  }

  /** Carries out one op; returns what was wrong with it, if anything. */
  #op(op: HostOp): string | undefined {
    switch (op.op) {
      case 'hello':
        this.#send({
          ev: 'hello',
          agent: AGENT_VERSION,
          board: this.spec.board,
          fw: this.spec.fw,
          boot: this.#boot,
          t: this.ticks(),
        });
        return undefined;
      case 'wifi':
        if (typeof op.up !== 'boolean') return 'wifi: `up` must be true or false';
        this.radio.setUp(op.up);
        this.#print(op.up ? 'wlan: link up' : 'wlan: link down');
        this.#send({ ev: 'net', state: op.up ? 'up' : 'down' });
        return undefined;
      case 'reset':
        void this.#reboot();
        return undefined;
      case 'config':
        return this.#config(op);
      case 'emit':
        return this.#emit(op.cls, op.id);
      default:
        return `unknown op ${JSON.stringify((op as { op: unknown }).op)}`;
    }
  }

  #config(op: Extract<HostOp, { op: 'config' }>): string | undefined {
    const m = /^(.+):(\d{1,5})$/.exec(String(op.broker));
    if (!m || typeof op.topic !== 'string' || typeof op.client_id !== 'string')
      return 'config needs broker "host:port", topic and client_id';
    const { username, password } = op;
    if (
      (username !== undefined || password !== undefined) &&
      (typeof username !== 'string' || typeof password !== 'string')
    )
      return 'config: username and password go together, as strings';
    const deadlines: Record<string, number> = {};
    for (const [cls, v] of Object.entries((op.deadlines ?? {}) as Record<string, unknown>)) {
      const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
      if (ms === undefined) return `config: deadline of ${cls} is not a duration`;
      deadlines[cls] = ms;
    }
    const target = {
      host: m[1] as string,
      port: Number(m[2]),
      prefix: op.topic.replace(/\/+$/, ''),
      clientId: op.client_id,
      ...(username !== undefined && password !== undefined && { username, password }),
      deadlines,
    };
    // The config it already runs (given again after a boot, as hil does): no change, no reconnect.
    if (this.#configured && this.#app && JSON.stringify(target) === JSON.stringify(this.#target))
      return undefined;
    // An app still trying its first connect (its built-in login refused, say) polls its agent
    // between attempts: it takes the new config at once, not after a connect that may never come.
    if (this.#app && !this.#app.connected) this.#stopModel(true);
    // Kept across resets, as a firmware keeps its settings in a file.
    this.#target = target;
    this.#configured = true;
    this.#app?.loop.push(async () => {
      this.#print(`config: ${this.#target.clientId} -> ${this.#target.host}:${this.#target.port}`);
      this.#stopModel(true);
      await this.#startModel();
    });
    return undefined;
  }

  #emit(cls: unknown, id: unknown): string | undefined {
    if (typeof cls !== 'string' || typeof id !== 'string' || cls === '' || id === '')
      return 'emit needs cls and id strings';
    const app = this.#app;
    app?.loop.push(async () => {
      // The app takes the stimulus now: this is the noticed time.
      this.#send({ ev: 'emitted', id, cls, t: this.ticks() });
      const t = this.#target;
      const payload = JSON.stringify({ id, cls, board: this.spec.board, t: this.ticks() });
      await app.model?.publish({
        cls,
        id,
        topic: `${t.prefix}/${cls}`,
        payload,
        noticedAt: performance.now(),
      });
    });
    return undefined;
  }

  async #reboot(): Promise<void> {
    this.#rebooting = true;
    // The radio chip resets with the board: its connections die without a word to the broker.
    this.radio.cutAll();
    this.#stopApp(false);
    await delay(this.spec.rebootMs ?? 300);
    if (this.#off) return;
    this.#rebooting = false;
    this.boot();
  }

  async #startModel(): Promise<void> {
    const app = this.#app;
    if (!app) return;
    const abort = new AbortController();
    const model = MODELS[this.spec.model](this.#context(app.loop, abort.signal));
    app.abort = abort;
    app.model = model;
    app.connected = false;
    await model.start();
  }

  #stopModel(graceful: boolean): void {
    const app = this.#app;
    if (!app) return;
    app.abort?.abort();
    app.model?.stop(graceful);
    app.model = undefined;
  }

  #stopApp(graceful: boolean): void {
    this.#stopModel(graceful);
    this.#app?.loop.stop();
    this.#app = undefined;
  }

  #context(loop: AppLoop, signal: AbortSignal): ModelContext {
    const live = () => !signal.aborted;
    const target = this.#target;
    const app = this.#app;
    return {
      options: new ModelOptions(this.spec.options),
      target,
      radio: this.radio,
      signal,
      app: {
        push: (job) => loop.push(() => (live() ? job() : undefined)),
        urgent: (job) => loop.urgent(() => (live() ? job() : undefined)),
      },
      event: (ev) => live() && this.#send(ev),
      print: (line) => live() && this.#print(line),
      mqtt: (state) => {
        if (!live()) return;
        if (state === 'connected' && app) app.connected = true;
        this.#send({ ev: 'mqtt', state });
      },
      received: (cmd: Command) =>
        live() &&
        this.#send({
          ev: 'received',
          id: cmd.id,
          cls: cmd.cls,
          seq: cmd.seq,
          t: this.ticks(),
          ...(cmd.epoch !== undefined && { epoch: cmd.epoch }),
        }),
      command: (topic, payload) => this.#command(target, topic, payload),
      sleep: (ms) =>
        loop.polled(
          delay(ms, undefined, { signal }).catch((err) => {
            throw signal.aborted ? new Stopped() : err;
          }),
        ),
      every: (ms, fn) => {
        const timer = setInterval(() => (live() ? fn() : clearInterval(timer)), ms);
        signal.addEventListener('abort', () => clearInterval(timer));
      },
    };
  }

  #command(target: Target, topic: string, payload: Buffer): Command | undefined {
    const base = `${target.prefix}/cmd/`;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      body = undefined;
    }
    const b = body as { id?: unknown; seq?: unknown; epoch?: unknown } | undefined;
    if (!topic.startsWith(base) || typeof b?.id !== 'string' || typeof b.seq !== 'number') {
      this.#print(`ignored message on ${topic}`);
      return undefined;
    }
    return {
      id: b.id,
      cls: topic.slice(base.length),
      seq: b.seq,
      ...(typeof b.epoch === 'number' && { epoch: b.epoch }),
    };
  }

  #crashed(err: unknown): void {
    if (err instanceof Stopped) return;
    if (err instanceof PyException) {
      for (const line of err.lines()) this.#print(line);
      return;
    }
    // A fault of the simulator itself, not of the firmware it plays: say so plainly.
    const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.diag(`virtual board ${this.spec.board}: ${msg}\n`);
    this.#send({ ev: 'error', msg: `simulator: ${err instanceof Error ? err.message : String(err)}` });
  }

  #send(ev: BoardEvent): void {
    this.write(encodeEvent(ev));
  }

  #print(line: string): void {
    this.write(`${line}\r\n`);
  }
}
