/**
 * The history: everything observed in one scenario on one board, as plain data.
 * The run only appends; the checker only reads. `t` is milliseconds on the host's
 * monotonic clock, relative to t = 0 (every selected board ready); setup ops before it are negative.
 */
export type Direction = 'up' | 'down';

/** What the broker did with a down command for the board's client; `unknown` on an external broker. */
export type RouteState = 'online' | 'offline' | 'none' | 'unknown';

/** Why the broker had nowhere to put a command (`to: none`). */
export type NoRouteReason =
  /** The board's client never connected to this broker. */
  | 'never-connected'
  /** The board was away and its session is clean: nothing is kept for it. */
  | 'clean-session'
  /** Connected, or a kept session, but no subscription matching the command topic. */
  | 'not-subscribed'
  /** Away with a kept session, but QoS 0 (command or subscription) is not queued for it. */
  | 'qos0-offline'
  /** Its kept session was wiped by a broker restart-clean: the broker's loss, not the board's. */
  | 'session-lost';

/**
 * What a fault does to the link: `down` an outage, `degraded` a slow link, `instant` a one-off
 * (a TCP reset), `restart` the board restarts (down until it is connected again), `group` it
 * only holds other faults recorded on their own (a flap around its outages).
 */
export type FaultEffect = 'down' | 'degraded' | 'instant' | 'restart' | 'group';

export type Op =
  /** The runner wrote `emit` (up) or published a command (down): deadlines count from here. */
  | {
      t: number;
      kind: 'emit';
      board: string;
      cls: string;
      id: string;
      direction: Direction;
      seq?: number;
      /** Down only: the run's epoch sent with `seq`, so a restarted sequence is not read as a gap. */
      epoch?: number;
      lateMs?: number;
      /** Up only: hil could not write it to the board (its line was gone), with why: it never reached the board. */
      unsent?: string;
    }
  /** The agent's `emitted`: the app took the stimulus. */
  | { t: number; kind: 'noticed'; board: string; cls: string; id: string }
  /** The agent's `published`: the MQTT library returned from publish. */
  | { t: number; kind: 'accepted'; board: string; id: string }
  /** The agent's `dropped`: the app gave up on the message on purpose. */
  | { t: number; kind: 'dropped'; board: string; id: string; why: string }
  /** A copy reached its destination: a PUBLISH at the broker (up) or the agent's `received` (down). */
  | {
      t: number;
      kind: 'delivered';
      board: string;
      cls: string;
      id: string;
      direction: Direction;
      topic?: string;
      qos?: 0 | 1 | 2;
      dup?: boolean;
      clientId?: string;
      seq?: number;
      epoch?: number;
    }
  /** A fault's real start or end, with how late it was against its schedule. */
  | {
      t: number;
      kind: 'fault';
      board: string;
      fault: string;
      phase: 'start' | 'end';
      down: boolean;
      /** How the fault acts, from its kind; absent in histories written before it was recorded. */
      effect?: FaultEffect;
      detail?: string;
      lateMs?: number;
    }
  /**
   * Whether a fault was seen to act: the observation its kind names (the agent's `net down`, the
   * broker seeing the client go, a new boot ...) within its time. Belongs to the fault's start of
   * the same name, first in first out; `seen` says what was (or was not) seen.
   */
  | { t: number; kind: 'confirm'; board: string; fault: string; confirmed: boolean; seen: string }
  /** The agent's `mqtt` event. */
  | { t: number; kind: 'mqtt'; board: string; state: 'connecting' | 'connected' | 'disconnected' }
  /** The agent's `net` event. */
  | { t: number; kind: 'net'; board: string; state: 'up' | 'down' }
  /** The broker saw the board's client connect or go away. */
  | {
      t: number;
      kind: 'client';
      board: string;
      event: 'connect' | 'disconnect';
      clientId: string;
      clean?: boolean;
    }
  /**
   * The board (re)started: a second `hello`, a `MicroPython v…` banner or an ESP ROM `rst:` line.
   * `unseenMs`: seen once its serial port was back (the hello hil then sends): it booted at
   * some time in the `unseenMs` before `t`, since the port's `port-away`.
   */
  | {
      t: number;
      kind: 'boot';
      board: string;
      reason: 'hello' | 'banner' | 'rom';
      boot?: string | number;
      line?: string;
      unseenMs?: number;
    }
  /**
   * A Python traceback, at its header. `line`: its exception line, else the last line seen;
   * `cut`: the reset or C-level panic line that cut it short (its exception never came).
   */
  | { t: number; kind: 'traceback'; board: string; line: string; cut?: string }
  /** Any console line that is not protocol (kept for the serial log). */
  | { t: number; kind: 'serial'; board: string; line: string }
  | { t: number; kind: 'agent-error'; board: string; msg: string }
  /** The watchdog: the board stopped answering on serial. */
  /** `silentMs`: since the board last answered; `boots`: boots in that time, its agent never answering (a reset loop). */
  | { t: number; kind: 'hung'; board: string; silentMs: number; boots?: number }
  /** Where the broker put a command when the runner published it (`t`: the publish, later than the emit when held). */
  | {
      t: number;
      kind: 'routed';
      board: string;
      id: string;
      /** `online`: sent to the board's connection; `offline`: queued in its session; `none`: dropped. */
      to: RouteState;
      why?: NoRouteReason;
      /** The broker was stopped at the emit: the command went out once it was back. */
      held?: boolean;
    }
  /**
   * hil reset the board, one attempt of its ladder (the agent's `reset`, then boards.yml `reset:`
   * methods in order, then a virtual board's power cycle). `why`: a scheduled `reboot`, or the
   * board failed its health check (`unhealthy`: no hello or no MQTT connect before a scenario).
   * `outcome`: `booted` it came back (a new boot, or hello and MQTT connected), `refused` the agent
   * answered error, `no-boot` nothing within `waitMs`, `failed` the method itself failed (`detail`).
   * `last`: the ladder ends here; `ms`: from the attempt to its outcome.
   */
  | {
      t: number;
      kind: 'board-reset';
      board: string;
      why: 'reboot' | 'unhealthy';
      method: string;
      outcome: 'booted' | 'refused' | 'no-boot' | 'failed';
      detail?: string;
      ms: number;
      last?: true;
    }
  /** The broker, not the board, lost a command: its session or queue was wiped (restart-clean). */
  | { t: number; kind: 'broker-forgot'; board: string; id: string; why: string }
  /**
   * The board's serial port went away (a USB unplug, a native-USB port re-enumerating at reset)
   * and hil waits a bounded time for it: `msg` says where and how long. Nothing from the agent
   * is seen until its `port-back`; none at all: the history is cut short from here.
   */
  | { t: number; kind: 'port-away'; board: string; msg: string }
  /** The port is open again after `awayMs`, at `at` (a USB identity may come back at another path). */
  | { t: number; kind: 'port-back'; board: string; awayMs: number; at: string }
  /**
   * Something the runner could not do (a fault the board cannot perform, a dead serial port).
   * `gone`: the board's serial line went away for good (from its `port-away`, if one came
   * before), so the history is cut short from there.
   */
  | { t: number; kind: 'error'; board: string; msg: string; gone?: true };

export type OpKind = Op['kind'];
export type OpOf<K extends OpKind> = Extract<Op, { kind: K }>;

export interface LatenessStats {
  count: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
}

/** One scenario on one board: the checker's whole input. */
export interface History {
  scenario: string;
  board: string;
  firmware: string;
  model?: string;
  /** Wall-clock ISO time of t = 0, for people. */
  startedAt: string;
  duration: number;
  drain: number;
  /** max(duration, last fault end) + drain: copies after this do not count. */
  end: number;
  /** Set when the board never got ready, with the reason. */
  notReady?: string;
  /**
   * Set when the run was stopped (Ctrl-C, SIGTERM) before this scenario's end: `at` ms from
   * t = 0 (absent: before it). What was recorded is kept, but nothing in it is judged.
   */
  interrupted?: { at?: number };
  /**
   * Set when the board's MQTT connection went around its proxy (seen at set-up, before any
   * fault): `proxy` the address it was told, `from` where the broker saw it come from.
   */
  offProxy?: { proxy: string; from: string };
  lateness?: { faults: LatenessStats; stimuli: LatenessStats };
  ops: Op[];
}

export function opsOf<K extends OpKind>(h: { ops: readonly Op[] }, kind: K): OpOf<K>[] {
  return h.ops.filter((o): o is OpOf<K> => o.kind === kind);
}
