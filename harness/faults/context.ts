/**
 * What making a fault needs from the rest of the run, and what it gives back.
 * The runner builds one FaultContext per board; the fault code sees only these interfaces.
 */
import type { BrokerControl } from '../broker/control.js';
import type { ProxyHandle } from '../network/toxiproxy.js';
import type { WifiMethod } from '../spec/types.js';
import type { LinkEffect } from './kind.js';

/** What the runner can make a board do (through its agent, or its reset line). */
export interface BoardControl {
  /** Takes the network interface down (`false`) or brings it back (`true`). */
  wifi(up: boolean): Promise<void>;
  /** Restarts the board: agent `machine.reset()`, or the board's `reset` method from boards.yml. */
  reset(): Promise<void>;
}

export interface FaultBoard {
  id: string;
  /** How a WiFi outage is made on this board (boards.yml `wifi`). */
  wifi: WifiMethod;
  /** The MQTT client id the board uses: lets `reset` see at the broker when the reset fired. */
  clientId?: string;
  /** Absent when the board has no agent to drive (then agent-made faults fail). */
  control?: BoardControl;
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
  /** The clock. Default `performance.now()`. */
  now?: () => number;
  /** `reset`: how long heal waits for the reset to fire before removing it anyway. Default 10000 ms. */
  resetWaitMs?: number;
}

/** What a kind's apply made: how, and the one function that undoes exactly that. */
export interface Applied {
  detail: string;
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
  /** When the fault was in place (the API call, command or agent op returned). */
  readonly start: number;
  /** When heal had removed it; unset until then. */
  end?: number;
}
