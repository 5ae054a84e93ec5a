import type { BoardEvent } from '../../board/protocol.js';
import { parseDuration } from '../../spec/duration.js';
import { HilError } from '../../spec/errors.js';
import type { AppQueue } from '../app-loop.js';
import type { ModelOptionValue } from '../model-options.js';
import type { Radio } from '../radio.js';

/** Where the app publishes, from the agent's `config` (or the firmware's built-in one). */
export interface Target {
  host: string;
  port: number;
  /** Topic prefix: up messages go to `<prefix>/<cls>`, commands come on `<prefix>/cmd/<cls>`. */
  prefix: string;
  clientId: string;
  /** The MQTT login from `config`, when the rack gives one. */
  username?: string;
  password?: string;
  /** Per-class deadlines in ms from when the app noticed the stimulus (`config.deadlines`). */
  deadlines: Readonly<Record<string, number>>;
}

/** One stimulus the app took: a message to publish. */
export interface Message {
  cls: string;
  id: string;
  topic: string;
  payload: string;
  /** Host monotonic ms when the app noticed it. */
  noticedAt: number;
}

/** A down message the app got on `<prefix>/cmd/<cls>`. */
export interface Command {
  id: string;
  cls: string;
  seq: number;
  epoch?: number;
}

/** What a model may touch: the app's loop, the radio, the serial console. */
export interface ModelContext {
  readonly options: ModelOptions;
  readonly target: Target;
  readonly radio: Radio;
  readonly app: AppQueue;
  /** Aborted when this app stops (reboot, new config): loops end, timers stop. */
  readonly signal: AbortSignal;
  event(ev: BoardEvent): void;
  print(line: string): void;
  mqtt(state: 'connecting' | 'connected' | 'disconnected'): void;
  /** Reports a command to the runner (the model decides about duplicates first). */
  received(cmd: Command): void;
  /** Parses a down message; prints and returns undefined if it is not a command. */
  command(topic: string, payload: Buffer): Command | undefined;
  /**
   * Sleeps in the app's loop (its pause between rounds, or a library's delay hook), polling
   * the agent meanwhile: `hello`, `wifi` and `reset` are done, emits wait for the job under way.
   * Rejects with `Stopped` when the app stops. A blocking socket call is a plain await instead.
   */
  sleep(ms: number): Promise<void>;
  /** Repeats `fn` every `ms` until the app stops. */
  every(ms: number, fn: () => void): void;
}

/**
 * One MQTT library as an app uses it. `start` and `publish` run as jobs of the app's loop:
 * a blocking library awaits inside them, a non-blocking one returns at once.
 */
export interface Model {
  /** Power-on: connect and subscribe to `<prefix>/cmd/+`. */
  start(): Promise<void>;
  /** The app got a stimulus: publish it; report `published` / `dropped` itself. */
  publish(msg: Message): Promise<void>;
  /** The app stops (reboot or new config); `graceful` closes the connection normally. */
  stop(graceful: boolean): void;
}

export type ModelFactory = (ctx: ModelContext) => Model;

/** Typed access to a model's options (durations written "2s" become ms). */
export class ModelOptions {
  constructor(readonly values: Readonly<Record<string, ModelOptionValue>>) {}

  ms(name: string): number {
    const v = this.#get(name);
    const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) throw this.#bad(name, 'a duration such as "2s"');
    return ms;
  }

  int(name: string): number {
    const v = this.#get(name);
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.#bad(name, 'an integer');
    return v;
  }

  flag(name: string): boolean {
    const v = this.#get(name);
    if (typeof v !== 'boolean') throw this.#bad(name, 'true or false');
    return v;
  }

  /** A string option that must be one of `values` (e.g. a library version). */
  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const v = this.#get(name);
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v))
      throw this.#bad(name, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    return v as T;
  }

  qos(name: string): 0 | 1 {
    const v = this.int(name);
    if (v !== 0 && v !== 1) throw this.#bad(name, '0 or 1');
    return v;
  }

  #get(name: string): ModelOptionValue {
    const v = this.values[name];
    if (v === undefined) throw new HilError('HIL_E_CONFIG', `virtual board option "${name}" is missing`);
    return v;
  }

  #bad(name: string, expect: string): HilError {
    return new HilError(
      'HIL_E_CONFIG',
      `virtual board option "${name}" is ${JSON.stringify(this.values[name])}; expected ${expect}`,
    );
  }
}
