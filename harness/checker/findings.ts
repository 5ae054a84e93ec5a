import type { NoRouteReason, OpOf } from '../history/ops.js';
import type { Message } from './messages.js';

/**
 * Verdicts as data: every line a verdict gives is a finding first, with typed fields, and
 * `prose.ts` turns each into its one line of text. Times are ms from t = 0, spans in ms.
 * `level`: `fail` and `error` decide the verdict of the part that carries the finding; `info`
 * only explains.
 */
export type Level = 'fail' | 'error' | 'info';

/** What became of one message, as the timeline colours it; `broker`: the broker lost a command. */
export type Outcome = 'ok' | 'late' | 'duplicate' | 'lost' | 'broker' | 'blocked' | 'dropped' | 'unknown';

/** Where a command was lost, from what the broker did with it: who lost it is the point. */
export type CommandFate =
  /** The broker lost it (its session or queue wiped by a restart-clean), with its reason. */
  | { at: 'broker'; why: string }
  /** The broker had nowhere to put it. */
  | { at: 'no-route'; why: NoRouteReason }
  /** Queued in the board's session, never collected. */
  | { at: 'session' }
  /** Sent to the board's connection, never received. */
  | { at: 'connection' }
  /** The broker's side is not known (an external broker). */
  | { at: 'unknown' };

/** Why a delivered message fails its policy; `age` is from the emit to the copy. */
export type DeliveryProblem =
  /** retry-within: a copy after the deadline (`first`: the first copy was). */
  | { kind: 'stale'; copy: number; age: number; within: number; first: boolean }
  /** drop with max-age: a copy older than that. */
  | { kind: 'too-old'; copy: number; age: number; maxAge: number }
  /** More copies than the policy allows. */
  | { kind: 'copies'; copies: number; rule: 'exactly-once' | 'duplicates forbidden' }
  /** Its first copy arrived before that of an earlier emit. */
  | { kind: 'overtook'; earlier: { id: string; emit: number; first: number } };

interface MessageFinding {
  message: Message;
  /** The app noticed it later than ε after the emit (a blocked firmware shows here). */
  noticedLate: boolean;
  /** Outages overlapping the emit up to its first copy (the emit alone when none arrived). */
  faults: string[];
}

/** A command's number as a resuming client names it; `epoch` only when the class spans several. */
interface SeqName {
  seq: number;
  epoch?: number;
}

/**
 * A fault that was not seen to act (its kind's confirmation did not come): what rests on it is
 * `error`, never a pass. `end`: ms, when it ended (absent: never); `seen`: what was (not) seen.
 */
export interface FaultNotSeen {
  kind: 'fault-unconfirmed';
  level: 'error';
  fault: string;
  start: number;
  end?: number;
  seen: string;
}

/**
 * The board's serial line went away at `t`: what was not seen after it may not have happened
 * unseen, so a failure resting on it is hil's trouble (`error`), not the firmware's.
 */
export interface CutShort {
  kind: 'cut-short';
  level: 'error';
  t: number;
  msg: string;
  /** The failure it would have been, had the line stayed (kept as data, not as a verdict). */
  instead?: ClassFinding | CheckFinding | BoardFinding;
}

export type ClassFinding =
  | Unjudged
  | FaultNotSeen
  | CutShort
  | (MessageFinding & { kind: 'misdelivered'; level: 'fail'; problems: DeliveryProblem[] })
  | (MessageFinding & {
      kind: 'undelivered';
      level: 'fail';
      outcome: Outcome;
      /** Down traffic: what the broker did with it. */
      command?: CommandFate;
      /** The end of judging: a copy after it was not counted. */
      end: number;
      /** drop: it was emitted on a link settled since then. */
      upSince?: number;
      /** retry-within: the link was settled at `t`, within the deadline. */
      settled?: { t: number; within: number };
      /**
       * Accepted while the embedded broker held no connection from the board's client: since
       * that disconnect, or (no `since`) it had not connected before.
       */
      brokerGone?: { since?: number };
    })
  | {
      kind: 'excused';
      level: 'info';
      ids: string[];
      settle: number;
      /** retry-within's D: the link was never settled within it; absent: emitted while down (drop). */
      within?: number;
    }
  | { kind: 'no-policy'; level: 'error'; cls: string; emitted: number }
  | { kind: 'no-emits'; level: 'error'; cls: string }
  /**
   * Stimuli hil could not send (the board's line was gone from `t`, `why`): the class was judged
   * on the `sent` ones only, so it is not a pass.
   */
  | { kind: 'unsent'; level: 'error'; cls: string; ids: string[]; sent: number; t: number; why: string }
  | { kind: 'policy-failed'; level: 'error'; policy: string; error: string }
  | { kind: 'unknown-id'; level: 'fail'; cls: string; id: string; copies: number[] }
  | { kind: 'duplicates'; level: 'info'; extra: number; messages: Array<{ id: string; copies: number }> }
  | (SeqName & { kind: 'duplicate-seq'; level: 'info'; cls: string; copies: number[] })
  | {
      kind: 'clock';
      level: 'info';
      message: Message;
      /** `before-emit`: delivered before its emit; `noticed`/`accepted`: that came > ε after the delivery. */
      what: 'before-emit' | 'noticed' | 'accepted';
      /** The emit, noticed or accepted time. */
      t: number;
      delivered: number;
      tolerance: number;
    }
  | { kind: 'emitted-again'; level: 'info'; cls: string; id: string; t: number }
  | { kind: 'other-class'; level: 'info'; cls: string; id: string; t: number; as: string }
  | {
      kind: 'seq-gap';
      level: 'info';
      cls: string;
      from: number;
      to: number;
      epoch?: number;
      /** Emit times of the first and last missing command. */
      sent: { from: number; to: number };
      /** The outages some of the missing commands were sent in. */
      faults: string[];
      /** How many of them were sent in those outages, when not all. */
      during?: number;
      /** The missing commands, with where each was lost (absent: unknown). */
      messages: Array<{ id: string; seq: number; command?: CommandFate }>;
    }
  | (SeqName & {
      kind: 'seq-order';
      level: 'info';
      cls: string;
      received: number;
      before: { seq: number; received: number };
    });

export type CheckFinding =
  | Unjudged
  | FaultNotSeen
  | CutShort
  | { kind: 'reboot-no-boot'; level: 'error'; start: number }
  /** `boots`: it kept rebooting without its agent answering (a reset loop), when any. */
  | { kind: 'hung'; level: 'fail'; t: number; silentMs: number; boots?: number }
  | {
      kind: 'rebooted';
      level: 'fail';
      t: number;
      reason: OpOf<'boot'>['reason'];
      boot?: string | number;
      line?: string;
    }
  /**
   * `error`: its exception line ('' when it never came); `cut`: what cut it short, a reset or
   * a C-level panic, with its line (never taken for the exception).
   */
  | {
      kind: 'traceback';
      level: 'fail';
      t: number;
      error: string;
      cut?: { by: 'panic' | 'reset'; line: string };
    }
  | { kind: 'no-outage'; level: 'info' }
  | { kind: 'budget-exceeded'; level: 'fail'; attempts: number; from: number; to: number; perMinute: number }
  | { kind: 'budget-kept'; level: 'info'; attempts: number; perMinute: number }
  | { kind: 'outage-unended'; level: 'error'; faults: string[]; start: number }
  | { kind: 'survived'; level: 'info'; faults: string[]; start: number; end: number }
  | { kind: 'reconnected-late'; level: 'fail'; faults: string[]; end: number; back: number; within: number }
  | { kind: 'never-reconnected'; level: 'fail'; faults: string[]; end: number }
  | { kind: 'reboot-never-reconnected'; level: 'fail'; start: number }
  | { kind: 'slowest-reconnect'; level: 'info'; faults: string[]; end: number; after: number }
  | { kind: 'check-failed'; level: 'error'; error: string };

/** What the history leaves unclear about the link. */
export type LinkProblem =
  | { kind: 'fault-without-start'; level: 'error'; fault: string; t: number }
  | { kind: 'fault-never-ended'; level: 'error'; fault: string; start: number };

/** Why a whole board could not be judged; every class and check then carries it too. */
export type Unjudged =
  | { kind: 'not-ready'; level: 'error'; board: string; why: string }
  /** The run was stopped before the scenario's end (`at`: ms from t = 0, absent before it). */
  | { kind: 'interrupted'; level: 'error'; board: string; at?: number }
  /** Its connection reached the broker around its proxy: no proxy fault could act on it. */
  | { kind: 'off-proxy'; level: 'error'; board: string; proxy: string; from: string }
  | { kind: 'empty-history'; level: 'error'; board: string }
  | { kind: 'checker-failed'; level: 'error'; error: string };

export type BoardFinding =
  | LinkProblem
  | Unjudged
  | FaultNotSeen
  | CutShort
  | { kind: 'runner-error'; level: 'error'; t: number; msg: string }
  | { kind: 'agent-error'; level: 'info'; t: number; msg: string }
  /** hil reset the board (a `board-reset` op): what it tried and what followed. */
  | {
      kind: 'board-reset';
      level: 'info';
      t: number;
      why: 'reboot' | 'unhealthy';
      method: string;
      outcome: 'booted' | 'refused' | 'no-boot' | 'failed';
      ms: number;
      detail?: string;
    }
  | { kind: 'reboot-not-back'; level: 'fail'; start: number }
  | { kind: 'reboot-no-boot'; level: 'error'; start: number }
  | { kind: 'nothing-to-judge'; level: 'error' };

export type Finding = ClassFinding | CheckFinding | BoardFinding;
export type FindingKind = Finding['kind'];

// A Record, not a list: a new Unjudged kind left out of it does not compile.
const UNJUDGED_KINDS: Record<Unjudged['kind'], true> = {
  'not-ready': true,
  interrupted: true,
  'off-proxy': true,
  'empty-history': true,
  'checker-failed': true,
};

/** The finding says the whole board could not be judged (the one every class and check then carries). */
export function isUnjudged(f: Finding): f is Unjudged {
  return Object.hasOwn(UNJUDGED_KINDS, f.kind);
}

/** The id of the message this finding names as failing, if any (as a list: none or one). */
export function blamedId(f: Finding): string[] {
  if (f.level === 'info') return [];
  if ('message' in f) return [f.message.id];
  return f.kind === 'unknown-id' ? [f.id] : [];
}

/** Does this finding name that message as failing? */
export function blames(f: Finding, id: string): boolean {
  return blamedId(f).includes(id);
}
