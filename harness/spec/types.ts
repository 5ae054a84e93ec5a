import type { PolicySpec } from './policy.js';

/** Where a value came from, so later stages can still point at the YAML. */
export interface Origin {
  file: string;
  line: number;
  col: number;
}

export interface HostPort {
  host: string;
  port: number;
}

export type WifiMethod =
  | { kind: 'agent' }
  | { kind: 'proxy' }
  | { kind: 'command'; down: string; up: string };

/**
 * One way to reset a board from the rack. `command` runs `argv` without a shell; `shell: true`
 * runs `command` with `sh -c` (pipes, `$VAR`).
 */
export type ResetMethod =
  | { kind: 'dtr' | 'rts' | 'repl' }
  | { kind: 'command'; command: string; argv: string[]; shell: boolean }
  | { kind: 'line'; line: 'dtr' | 'rts'; invert: boolean; pulse: number };

/** A model option's value as YAML gives it (durations stay strings until the model reads them). */
export type ModelOptionValue = number | boolean | string;

export interface VirtualSpec {
  /** A model name of the virtual rack's registry (`sim/model-options.ts`). */
  model: string;
  options: Record<string, ModelOptionValue>;
}

/** Serial speed when boards.yml gives none: what MicroPython ports use on USB and UART. */
export const DEFAULT_BAUD = 115200;

/** How long a board has to answer hello and connect to MQTT when boards.yml gives no `ready:`, ms. */
export const DEFAULT_READY_MS = 30_000;

/**
 * How a board's console is reached: a kind of the transport registry (`transports/registry.ts`)
 * and that transport's own parameters (e.g. `{ kind: 'serial-path', path }`); only the
 * transport's module reads them.
 */
export interface TransportSpec {
  readonly kind: string;
  readonly [param: string]: unknown;
}

/** An MQTT login: what a client presents in CONNECT. */
export interface MqttLogin {
  username: string;
  password: string;
}

/**
 * A board's MQTT login as boards.yml gives it (`mqtt:`, or `defaults.mqtt`): the password as
 * written, or the name of the environment variable holding it (read when hil runs, never by
 * `hil validate`: see `spec/mqtt-login.ts`).
 */
export interface MqttLoginSpec {
  username: string;
  password?: string;
  passwordEnv?: string;
  /** Where the password (or its variable) is written, for errors. */
  origin: Origin;
}

export interface BoardSpec {
  id: string;
  /** Derived by the loader from the board's transport key (`serial`, `virtual`). */
  transport: TransportSpec;
  /** Absent for boards on loopback (virtual): their proxy takes a free loopback port. */
  listen?: HostPort;
  firmware: string;
  tags: string[];
  /**
   * The rack's ways to reset it, tried in order after the agent's own `reset` (boards.yml
   * `reset:`, one or a list: a line pulse, then a hub power cycle); empty for `none`.
   */
  reset: ResetMethod[];
  /** How long the board has to answer `hello` and connect to MQTT, ms (boards.yml `ready:`, default 30 s). */
  readyMs: number;
  status: 'enabled' | 'quarantined' | 'disabled';
  /** Why the board is quarantined or disabled (boards.yml `reason:`), shown where it is. */
  reason?: string;
  baud: number;
  wifi: WifiMethod;
  /** A virtual board's model, for labels and the scenario's `models:`; open it through its transport. */
  virtual?: VirtualSpec;
  /** Its MQTT login: sent in `config`, and checked by the embedded broker. Absent: anonymous. */
  mqtt?: MqttLoginSpec;
  origin: Origin;
}

export interface RackSpec {
  file: string;
  broker: { listen: HostPort; url?: string };
  toxiproxy: { url: string; manage: boolean };
  boards: BoardSpec[];
}

export interface Selector {
  tags?: string[];
  ids?: string[];
}

export interface TrafficSpec {
  class: string;
  direction: 'up' | 'down';
  /** Emit times in ms from t = 0, resolved from `at` or `every`. */
  times: number[];
  qos: 0 | 1 | 2;
  origin: Origin;
}

export interface FaultSpec {
  at: number;
  /** A kind of the fault registry (`faults/registry.ts`). */
  kind: string;
  params: unknown;
  boards?: Selector;
  origin: Origin;
}

/**
 * A declared board-health check (durations in ms): the shape every check shares. Each check module
 * (`checker/checks/`) narrows it to its own options.
 */
export interface CheckSpec {
  /** A check of the registry (`checker/checks/registry.ts`). */
  check: string;
  [option: string]: unknown;
}

export interface ScenarioSpec {
  file: string;
  name: string;
  description: string;
  boards?: Selector;
  duration: number;
  drain: number;
  settle: number;
  /** ε: serial-derived times may trail a delivery by this much and count as simultaneous. */
  tolerance: number;
  seed: number;
  tags: string[];
  traffic: TrafficSpec[];
  faults: FaultSpec[];
  policies: Record<string, PolicySpec>;
  checks: CheckSpec[];
  /** Model option overrides for virtual boards during this scenario. */
  models: Record<string, Record<string, ModelOptionValue>>;
}
