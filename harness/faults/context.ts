/**
 * What making a fault needs from the rest of the run, and what it gives back.
 * The runner builds one FaultContext per board; the fault code sees only these interfaces.
 */
import type { BrokerControl } from '../broker/control.js';
import type { Op } from '../history/ops.js';
import type { ProxyHandle } from '../network/toxiproxy.js';
import type { WifiMethod } from '../spec/types.js';
import type { LinkEffect } from './kind.js';

/** What the runner can make a board do (through its agent, or its reset line). */
export interface BoardControl {
  /**
   * Takes the network interface down (`false`) or brings it back (`true`). Resolves with the host
   * time (ms, `performance.now()`) just before the op was written, or nothing when unknown.
   */
  wifi(up: boolean): Promise<number | undefined>;
  /**
   * Restarts the board: the agent's `machine.reset()`, and when it refuses or no boot follows,
   * the board's boards.yml `reset:` methods in turn (each attempt a `board-reset` op). Resolves
   * once the first method was carried out; rejects when none could be.
   */
  reset(): Promise<void>;
  /** The methods `reset` falls back to after the agent's, in order (empty: the agent's refusal is final). */
  resetFallbacks?: readonly string[];
  /** How long the whole of `reset`'s ladder may take to bring a new boot, ms. */
  resetWithinMs?: number;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An op of this board as the run records it (absolute monotonic `t`, no `board`): the agent's and the broker's. */
export type BoardOp = DistributiveOmit<Op, 'board'>;

export interface FaultBoard {
  id: string;
  /** How a WiFi outage is made on this board (boards.yml `wifi`). */
  wifi: WifiMethod;
  /** The MQTT client id the board uses: lets `reset` see at the broker when the reset fired. */
  clientId?: string;
  /** Absent when the board has no agent to drive (then agent-made faults fail). */
  control?: BoardControl;
  /**
   * Calls `listener` with every op recorded for this board from now on (agent events, broker
   * connects and disconnects, runner errors); returns the unsubscribe. What confirms a fault.
   */
  watch?(listener: (op: BoardOp) => void): () => void;
  /** Whether the broker holds a connection of the board's client now (undefined: not known). */
  connectedAtBroker?(): boolean | undefined;
}

/** Whether a fault was seen to act, as its kind's `confirm` says; `t` when that was decided. */
export interface FaultConfirmation {
  t: number;
  board: string;
  fault: string;
  confirmed: boolean;
  /** What was seen (`the agent reported net down 12 ms after`), or what was not and why. */
  seen: string;
}

/** A fault's real start or end, on the host's monotonic clock (`performance.now()` ms). */
export interface FaultPhase {
  t: number;
  board: string;
  /** The fault kind; a flap records each of its outages under the kind that flaps. */
  fault: string;
  phase: 'start' | 'end';
  /** True for an outage (the link is down between start and end). */
  down: boolean;
  /** The kind's effect (a flap: `group`, its outages `down`): how reports draw it. */
  effect: LinkEffect;
  /** How it was made, e.g. `toxic timeout 0 ms, both directions (wifi: proxy)`. */
  detail: string;
}

export interface FaultContext {
  board: FaultBoard;
  proxy: ProxyHandle;
  broker: BrokerControl;
  /** Runs a rack hook command (`wifi: { command: {down, up} }`); `runHook` is the usual one. */
  run(command: string): Promise<void>;
  /** Receives every start and end, as they happen. */
  record(phase: FaultPhase): void;
  /** Receives whether each start was seen to act (after that start). Absent: not recorded. */
  confirm?(c: FaultConfirmation): void;
  /** The clock. Default `performance.now()`. */
  now?: () => number;
  /** `reset`: how long heal waits for the reset to fire before removing it anyway. Default 10000 ms. */
  resetWaitMs?: number;
}

/** What a kind's apply made: how, and the one function that undoes exactly that. */
export interface Applied {
  detail: string;
  /**
   * When the fault was issued, where the kind knows it (ms, the context's clock): the host time
   * just before its op was written to the board. The start is recorded then, as a stimulus's emit
   * is, not when the write's promise settles (with 32 boards at one instant, ~2 ms later).
   */
  at?: number;
  /**
   * Settles once it is known whether the fault acted (its kind's `confirm`); never rejects.
   * Absent when nothing can be watched (no `watch` in the context).
   */
  confirmed?: Promise<Seen>;
  /** Undoes the fault; a string it resolves with says how it went (recorded with the end). */
  heal(): Promise<unknown>;
}

/** An applied fault, as `applyFault` returns it and `healFault` takes it. */
export interface FaultHandle {
  readonly kind: string;
  readonly board: string;
  readonly down: boolean;
  readonly detail: string;
  /** When apply was asked for. */
  readonly requested: number;
  /** When the fault was in place: its op written to the agent, or its API call or command returned. */
  readonly start: number;
  /** When heal had removed it; unset until then. */
  end?: number;
}

/** What a kind's watch found: confirmed or not, and what was (not) seen. */
export interface Seen {
  confirmed: boolean;
  seen: string;
}
