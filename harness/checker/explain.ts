import { type BrokerPresence, goneFromBroker } from './broker-presence.js';
import type { ClassFinding, DeliveryProblem } from './findings.js';
import { elapsed } from './format.js';
import { type Link, outagesDuring } from './link.js';
import { commandFate, type Message, outcomeOf } from './messages.js';

/** What a message finding needs of its class. */
export interface FindingContext {
  link: Link;
  /** max(duration, last fault end) + drain. */
  end: number;
  /** ε in ms. */
  tolerance: number;
  /** The broker's view of the board's client (embedded broker only). */
  broker?: BrokerPresence;
}

/** The app noticed the stimulus later than ε after the emit: a blocked firmware shows here. */
function noticedLate(m: Message, eps: number): boolean {
  return m.noticed !== undefined && elapsed(m.emit, m.noticed) > eps;
}

function faultsOf(m: Message, link: Link): string[] {
  return outagesDuring(link, m.emit, m.copies[0] ?? m.emit);
}

/** A delivered message that fails its policy, for the reasons given. */
export function misdelivered(
  m: Message,
  problems: DeliveryProblem[],
  ctx: FindingContext,
): Extract<ClassFinding, { kind: 'misdelivered' }> {
  return {
    kind: 'misdelivered',
    level: 'fail',
    message: m,
    noticedLate: noticedLate(m, ctx.tolerance),
    faults: faultsOf(m, ctx.link),
    problems,
  };
}

/** A message that never arrived and should have; `why`: the policy's grounds (a settled link). */
export function undelivered(
  m: Message,
  ctx: FindingContext,
  why: { upSince?: number; settled?: { t: number; within: number } } = {},
): Extract<ClassFinding, { kind: 'undelivered' }> {
  const command = commandFate(m);
  // Accepted by the board's library while the broker held no connection from it: published
  // into a connection the broker had already closed (or never had).
  const brokerGone =
    m.direction === 'up' && m.accepted !== undefined
      ? goneFromBroker(ctx.broker, m.accepted, ctx.tolerance)
      : undefined;
  return {
    kind: 'undelivered',
    level: 'fail',
    message: m,
    noticedLate: noticedLate(m, ctx.tolerance),
    faults: faultsOf(m, ctx.link),
    outcome: outcomeOf(m, undefined),
    ...(command && { command }),
    end: ctx.end,
    ...why,
    ...(brokerGone && { brokerGone }),
  };
}
