import type { NoRouteReason } from '../history/ops.js';
import type { CommandFate, DeliveryProblem, Finding, Outcome } from './findings.js';
import { at, atBeside, dur, listOf, over, small, span } from './format.js';
import { rangeText } from './gaps.js';
import type { Message } from './messages.js';
import type { MessageOutcome } from './verdict.js';

/**
 * The one place a verdict becomes prose: each finding is one line of `reasons`. Reports that
 * phrase a verdict call this (or report/parts.ts, which arranges these lines); nothing else words one.
 */
export function prose(f: Finding): string {
  switch (f.kind) {
    case 'misdelivered':
      return deliveredLine(f.message, f.noticedLate, f.problems.map(problemText));
    case 'undelivered':
      return undeliveredLine(f);
    case 'excused':
      return f.within === undefined
        ? `${f.ids.length} not delivered, emitted while the link was down or up less than ${dur(f.settle)} (allowed): ${listOf(f.ids)}`
        : `${f.ids.length} not delivered, the link never up ${dur(f.settle)} within ${dur(f.within)} (allowed): ${listOf(f.ids)}`;
    case 'no-policy':
      return `${f.cls}: ${f.emitted} emitted but the scenario gives the class no policy`;
    case 'unsent': {
      const total = f.ids.length + f.sent;
      return `${f.ids.length} of ${total} ${f.cls} messages never sent from ${at(f.t)} (${f.why}): judged on the ${f.sent} sent only`;
    }
    case 'no-emits':
      return `no ${f.cls} message was emitted: nothing to judge`;
    case 'policy-failed':
      return `the ${f.policy} checker failed: ${f.error}`;
    case 'unknown-id':
      return `${f.cls} ${f.id} delivered ${listOf(f.copies.map(at), 4)} but was never emitted (unknown id)`;
    case 'duplicates':
      return `${f.extra} duplicate ${f.extra === 1 ? 'copy' : 'copies'}: ${listOf(f.messages.map((m) => `${m.id} ×${m.copies}`))}`;
    case 'duplicate-seq':
      return `${f.cls} seq ${f.seq}${epochTag(f.epoch)} received ${f.copies.length} times (${listOf(f.copies.map(at), 4)})`;
    case 'clock':
      return clockLine(f);
    case 'emitted-again':
      return `${f.cls} ${f.id} emitted again at ${at(f.t)}: only the first emit counts`;
    case 'other-class':
      return `${f.cls} ${f.id} arrived at ${at(f.t)} as class ${f.as}: counted under ${f.cls}`;
    case 'seq-gap': {
      const when = f.sent.from === f.sent.to ? at(f.sent.from) : `${at(f.sent.from)}-${at(f.sent.to)}`;
      const some = f.during !== undefined ? `${f.during} of ${f.messages.length} ` : '';
      const where = f.faults.length ? `${some}during ${f.faults.join(', ')}` : 'with the link up';
      return `${f.cls} seq ${rangeText(f)}${epochTag(f.epoch)} missing (sent ${when}, ${where})${whoLost(f.messages)}`;
    }
    case 'seq-order':
      return `${f.cls} seq ${f.seq}${epochTag(f.epoch)} received ${at(f.received)}, before seq ${f.before.seq} (${at(f.before.received)}): out of order`;
    case 'hung':
      if (f.boots && f.boots > 1)
        return `no answer since ${at(f.t - f.silentMs)}, only ${f.boots} boots, given up at ${at(f.t)}: a reset loop`;
      if (f.boots)
        return `no answer since ${at(f.t - f.silentMs)}: it rebooted and its agent never spoke, given up at ${at(f.t)}: hung`;
      return `silent on serial since ${at(f.t - f.silentMs)} (last line), given up at ${at(f.t)}: hung`;
    case 'rebooted':
      return `rebooted at ${at(f.t)} (${bootText(f)}) without a scheduled reboot`;
    case 'traceback':
      if (f.cut)
        return `Traceback at ${at(f.t)}, its exception line missing: cut short by ${f.cut.by === 'panic' ? 'a C-level panic' : 'a reset'}: ${f.cut.line}`;
      return `Traceback at ${at(f.t)}: ${f.error}`;
    case 'no-outage':
      return 'no outage in this scenario';
    case 'budget-exceeded':
      return `${f.attempts} connection attempts within one minute while the network was down (${at(f.from)}-${at(f.to)}), budget ${f.perMinute}/min`;
    case 'budget-kept':
      return `at most ${f.attempts} connection attempts in a minute while the network was down, budget ${f.perMinute}/min`;
    case 'outage-unended':
      return `${f.faults.join(' + ')} started at ${at(f.start)} and never ended: the reconnect cannot be judged`;
    case 'survived':
      return `the connection survived the ${f.faults.join(' + ')} at ${at(f.start)}-${at(f.end)}`;
    case 'reconnected-late':
      return `reconnected at ${at(f.back)}, after the ${f.faults.join(' + ')} ended at ${at(f.end)}: ${over(f.back - f.end, f.within)}`;
    case 'never-reconnected':
      return `never reconnected after the ${f.faults.join(' + ')} ended at ${at(f.end)}`;
    case 'reboot-never-reconnected':
      return `never reconnected after the reboot at ${at(f.start)}`;
    case 'slowest-reconnect':
      return `slowest reconnect ${span(f.after)} after the ${f.faults.join(' + ')} ended at ${at(f.end)}`;
    case 'check-failed':
      return `the check failed: ${f.error}`;
    case 'fault-unconfirmed':
      return `${f.fault} at ${at(f.start)} was not seen to act (${f.seen}): the test was not carried out`;
    case 'cut-short':
      // A port that goes at the reset (native USB re-enumerates) hides the boot: no sign of a bad reset.
      if (f.instead?.kind === 'reboot-no-boot')
        return `the serial line went away at ${at(f.t)} (${f.msg}), after the reboot at ${at(f.instead.start)}: its boot and what followed were not seen, not judged`;
      return f.instead
        ? `${prose(f.instead)}; but the serial line went away at ${at(f.t)} (${f.msg}): not judged`
        : `judged on a history cut short: the serial line went away at ${at(f.t)} (${f.msg})`;
    case 'fault-without-start':
      return `fault ${f.fault} ended at ${at(f.t)} without a recorded start`;
    case 'fault-never-ended':
      return `fault ${f.fault} started at ${at(f.start)} and never ended: the link counts as down to the end`;
    case 'not-ready':
      return `board ${f.board} never got ready: ${f.why}`;
    case 'interrupted':
      return `the run was stopped ${f.at === undefined ? 'before the scenario began' : `at ${at(f.at)}, before the scenario's end`}: not carried out, nothing judged`;
    case 'off-proxy':
      return `board ${f.board} connects to the broker directly, not through its proxy at ${f.proxy} (the broker saw it come from ${f.from}): no proxy fault could act on it`;
    case 'empty-history':
      return `empty history: nothing was recorded for ${f.board}`;
    case 'checker-failed':
      return `the checker failed: ${f.error}`;
    case 'runner-error':
      return `the runner could not go on at ${at(f.t)}: ${f.msg}`;
    case 'agent-error':
      return `agent error at ${at(f.t)}: ${f.msg}`;
    case 'board-reset':
      return resetText(f);
    case 'reboot-not-back':
      return `restarted after the reboot at ${at(f.start)} but never reconnected to the broker`;
    case 'reboot-no-boot':
      return `no boot seen after the reboot at ${at(f.start)}: the board's reset method may not work`;
    case 'nothing-to-judge':
      return 'nothing to judge: the scenario has no policies and no checks';
    default: {
      const never: never = f;
      return String(never);
    }
  }
}

/** Every finding's line, in order: what `reasons` holds. */
export function proseOf(findings: readonly Finding[]): string[] {
  return findings.map(prose);
}

/** `button b-1`, or `command c-7 (seq 7)` for down traffic. */
function who(m: Message): string {
  return m.direction === 'down' && m.seq !== undefined
    ? `${m.cls} ${m.id} (seq ${m.seq})`
    : `${m.cls} ${m.id}`;
}

const emitted = (m: Pick<Message, 'direction'>) => (m.direction === 'down' ? 'sent' : 'emitted');
const delivered = (m: Message) => (m.direction === 'down' ? 'received' : 'delivered');

function problemText(p: DeliveryProblem): string {
  switch (p.kind) {
    case 'stale':
      return `${over(p.age, p.within)} (${p.first ? 'stale' : 'stale copy'})`;
    case 'too-old':
      return `${over(p.age, p.maxAge, 'max-age ')} (too old)`;
    case 'copies':
      return `${p.copies} copies (${p.rule})`;
    case 'overtook':
      return `before ${p.earlier.id}, emitted earlier at ${at(p.earlier.emit)} and first delivered ${at(p.earlier.first)} (out of order)`;
  }
}

/** `button b-1 emitted 10.02s, delivered 27.40s: 17.38s > 15s (stale)`. */
function deliveredLine(m: Message, noticedLate: boolean, problems: readonly string[]): string {
  const noticed = noticedLate ? `, noticed ${at(m.noticed as number)}` : '';
  const copies = listOf(m.copies.map(at), 4);
  return `${who(m)} ${emitted(m)} ${at(m.emit)}${noticed}, ${delivered(m)} ${copies}: ${problems.join('; ')}`;
}

/** `alarm a-2 emitted 12.00s, accepted 12.01s, never delivered (lost after the library accepted it)`. */
function undeliveredLine(f: Extract<Finding, { kind: 'undelivered' }>): string {
  const m = f.message;
  const held = m.routed?.held ? ` (the broker was down: published at ${at(m.routed.t)})` : '';
  const afterEmit = f.upSince !== undefined ? ` on a settled link (up since ${at(f.upSince)})` : '';
  const head = `${who(m)} ${emitted(m)} ${at(m.emit)}${held}${afterEmit}`;
  const tail = [
    // Settled at the emit itself is said by "on a settled link (up since …)" in the head.
    f.settled && !(f.upSince !== undefined && f.settled.t === m.emit)
      ? `the link was settled at ${at(f.settled.t)}, within ${dur(f.settled.within)} of the emit`
      : '',
    m.afterEnd.length > 0
      ? `a copy arrived at ${atBeside(m.afterEnd[0] as number, f.end)}, after the end at ${at(f.end)}`
      : '',
  ].filter(Boolean);
  const fate = f.command ? downFate(f.command) : upFate(m, f.noticedLate, f.brokerGone);
  return `${head}, ${fate}${tail.length ? `; ${tail.join('; ')}` : ''}`;
}

function upFate(m: Message, noticedLate: boolean, brokerGone?: { since?: number }): string {
  const dropped = m.dropped ? `dropped by the app at ${at(m.dropped.t)} (${m.dropped.why}), ` : '';
  if (m.noticed === undefined) return `${dropped}never noticed by the app (blocked)`;
  const noticed = `noticed ${at(m.noticed)}, `;
  if (m.accepted === undefined) {
    if (m.dropped) return `${noticed}dropped by the app at ${at(m.dropped.t)} (${m.dropped.why}) (blocked)`;
    // The library may have taken it and hung inside publish(): not "never accepted".
    if (m.hung)
      return `${noticed}then the board hung (silent since ${at(m.hung.since)}, given up at ${at(m.hung.t)}): publish() never returned (blocked)`;
    return `${noticed}never accepted by the library (blocked)`;
  }
  const late = noticedLate ? noticed : '';
  const gone = !brokerGone
    ? ''
    : brokerGone.since === undefined
      ? ": the broker had not yet seen the board's client connect"
      : `: the broker had had no connection from the board's client since ${at(brokerGone.since)}`;
  return `${late}accepted ${at(m.accepted)}, ${dropped}never delivered (lost after the library accepted it${gone})`;
}

/** Why the broker had nowhere to put a command: the board's doing, except a lost session. */
const NO_ROUTE: Record<NoRouteReason, string> = {
  'never-connected': 'the broker dropped it: the board had never connected',
  'clean-session':
    'the broker dropped it: the board was away and its session is clean, so nothing is kept for it',
  'not-subscribed':
    'the broker dropped it: the board had no subscription for it (not subscribed again after reconnecting)',
  'qos0-offline': 'the broker dropped it: the board was away and QoS 0 is not queued for an absent client',
  'session-lost': 'lost at broker (a restart-clean wiped the session the board had subscribed in)',
};

function downFate(c: CommandFate): string {
  switch (c.at) {
    case 'broker':
      return `never received: lost at broker (${c.why})`;
    case 'no-route':
      return `never received: ${NO_ROUTE[c.why]}`;
    case 'session':
      return "never received: queued at the broker in the board's session, never collected";
    case 'connection':
      return "never received by the board (lost; the broker sent it to the board's connection)";
    case 'unknown':
      return 'never received by the board (lost)';
  }
}

/** Short forms of a command's fate at the broker, for a whole range. */
const NO_ROUTE_SHORT: Record<NoRouteReason, string> = {
  'never-connected': 'board never connected',
  'clean-session': 'clean session: nothing kept',
  'not-subscribed': 'not subscribed',
  'qos0-offline': 'QoS 0 not queued',
  'session-lost': 'lost at broker',
};

function fateLabel(c: CommandFate | undefined): string | undefined {
  switch (c?.at) {
    case 'broker':
      return 'lost at broker';
    case 'no-route':
      return NO_ROUTE_SHORT[c.why];
    case 'session':
      return 'queued, never collected';
    case 'connection':
      return 'sent to its connection';
    default:
      return undefined;
  }
}

/** `; lost at broker`, or `; 2 lost at broker, 1 not subscribed` when the range is mixed. */
function whoLost(inGap: ReadonlyArray<{ command?: CommandFate }>): string {
  const counts = new Map<string, number>();
  for (const m of inGap) {
    const label = fateLabel(m.command);
    if (label) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const [only] = counts;
  if (counts.size === 1 && only && only[1] === inGap.length) return `; ${only[0]}`;
  return `; ${[...counts].map(([label, n]) => `${n} ${label}`).join(', ')}`;
}

const epochTag = (epoch: number | undefined) => (epoch !== undefined ? ` of epoch ${epoch}` : '');

function clockLine(f: Extract<Finding, { kind: 'clock' }>): string {
  const m = f.message;
  switch (f.what) {
    case 'before-emit':
      return `${who(m)} delivered at ${at(f.delivered)}, before its emit at ${at(f.t)} (clock or id problem)`;
    case 'noticed':
      return `${who(m)} noticed ${at(f.t)}, ${small(f.t - f.delivered)} after its delivery at ${at(f.delivered)} (more than ε ${dur(f.tolerance)}: clock or id problem)`;
    case 'accepted':
      return `${who(m)} accepted ${at(f.t)}, ${small(f.t - f.delivered)} after its delivery at ${at(f.delivered)} (the library returned late: a slow or lost acknowledgement)`;
  }
}

function bootText(f: Extract<Finding, { kind: 'rebooted' }>): string {
  if (f.reason === 'hello') return `agent hello${f.boot !== undefined ? `, boot ${f.boot}` : ''}`;
  const line = (f.line ?? '').trim();
  const what = f.reason === 'banner' ? 'boot banner' : 'ROM reset';
  return line ? `${what} "${line.length > 80 ? `${line.slice(0, 77)}...` : line}"` : what;
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  ok: 'delivered in time',
  late: 'late (stale)',
  duplicate: 'duplicated',
  lost: 'lost',
  broker: 'lost at broker',
  blocked: 'blocked',
  dropped: 'dropped by the app',
  unknown: 'unknown id',
};

/** `late (stale)`: an outcome in words, for a legend. */
export function outcomeText(o: Outcome): string {
  return OUTCOME_TEXT[o];
}

/** One message's story on one line, for a tooltip: times, deadline, outcome. */
export function messageText(cls: string, m: MessageOutcome): string {
  if (m.outcome === 'unknown')
    return `${cls} ${m.id}: delivered ${m.copies.map(at).join(', ')} but never emitted (unknown id)`;
  const parts = [`${cls} ${m.id}: ${emitted(m)} ${at(m.t)}`];
  if (m.noticed !== undefined && m.noticed !== m.t) parts.push(`noticed ${at(m.noticed)}`);
  if (m.copies.length) parts.push(`delivered ${m.copies.map(at).join(', ')}`);
  if (m.deadline !== undefined) parts.push(`deadline ${at(m.deadline)}`);
  if (m.dropped) parts.push(`dropped ${at(m.dropped.t)} (${m.dropped.why})`);
  return `${parts.join(', ')}: ${OUTCOME_TEXT[m.outcome]}`;
}

/** "reset before the scenario (it failed its health check) by command: uhubctl …: back after 1.20s". */
function resetText(f: Extract<Finding, { kind: 'board-reset' }>): string {
  const when =
    f.why === 'unhealthy'
      ? 'reset before the scenario (it failed its health check)'
      : `reset at ${at(f.t)} (reboot)`;
  const after = `${(f.ms / 1000).toFixed(2)}s`;
  const what = {
    booted: `back after ${after}`,
    refused: `the agent refused${f.detail ? `: ${f.detail}` : ''}`,
    'no-boot': `not back within ${after}${f.detail ? ` (${f.detail})` : ''}`,
    failed: `the method failed${f.detail ? `: ${f.detail}` : ''}`,
  }[f.outcome];
  return `${when} by ${f.method}: ${what}`;
}
