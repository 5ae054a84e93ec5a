import { boardOps } from '../history/board-ops.js';
import { faultSpans, judgedEnd } from '../history/fault-spans.js';
import type { History, Op } from '../history/ops.js';
import type { ScenarioSpec } from '../spec/types.js';
import { type BrokerPresence, brokerPresenceOf } from './broker-presence.js';
import type { FaultNotSeen } from './findings.js';
import { type Link, linkOf } from './link.js';

/** The scenario keys the checker reads. */
export type CheckerScenario = Pick<
  ScenarioSpec,
  'policies' | 'checks' | 'settle' | 'tolerance' | 'duration' | 'drain'
>;

/** One board's ops, sorted, with the link and the end worked out once. */
export interface BoardView {
  board: string;
  ops: readonly Op[];
  link: Link;
  /** max(duration, last fault end) + drain. */
  end: number;
  tolerance: number;
  /** Faults recorded as not seen to act, in start order. */
  unconfirmed: FaultNotSeen[];
  /** The embedded broker's view of the board's client; absent with an external broker. */
  broker?: BrokerPresence;
}

export function boardView(history: History, scenario: CheckerScenario): BoardView {
  const ops = boardOps(history);
  const paired = faultSpans(ops);
  const link = linkOf(ops, scenario.tolerance, paired);
  const end = judgedEnd(ops, scenario.duration, scenario.drain, paired);
  const unconfirmed: FaultNotSeen[] = paired.spans
    .filter((s) => s.confirm && !s.confirm.confirmed)
    .map((s) => ({
      kind: 'fault-unconfirmed',
      level: 'error',
      fault: s.fault,
      start: s.start,
      ...(s.end !== undefined && { end: s.end }),
      seen: s.confirm?.seen ?? '',
    }));
  unconfirmed.sort((a, b) => a.start - b.start);
  const broker = brokerPresenceOf(ops);
  return {
    board: history.board,
    ops,
    link,
    end,
    tolerance: scenario.tolerance,
    unconfirmed,
    ...(broker && { broker }),
  };
}
