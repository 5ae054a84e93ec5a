import { at, listOf } from './format.js';
import { findGaps, rangeText } from './gaps.js';
import { type Link, outagesDuring } from './link.js';
import type { Message } from './messages.js';

/** Short forms of a command's fate at the broker, for a whole range. */
function fateLabel(m: Message): string | undefined {
  if (m.brokerForgot) return 'lost at broker';
  switch (m.routed?.to) {
    case 'none':
      return {
        'never-connected': 'board never connected',
        'clean-session': 'clean session: nothing kept',
        'not-subscribed': 'not subscribed',
        'qos0-offline': 'QoS 0 not queued',
        'session-lost': 'lost at broker',
      }[m.routed.why ?? 'not-subscribed'];
    case 'offline':
      return 'queued, never collected';
    case 'online':
      return 'sent to its connection';
    default:
      return undefined;
  }
}

/** `; lost at broker`, or `; 2 lost at broker, 1 not subscribed` when the range is mixed. */
function whoLost(inGap: readonly Message[]): string {
  const counts = new Map<string, number>();
  for (const m of inGap) {
    const label = fateLabel(m);
    if (label) counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  const [only] = counts;
  if (counts.size === 1 && only && only[1] === inGap.length) return `; ${only[0]}`;
  return `; ${[...counts].map(([label, n]) => `${n} ${label}`).join(', ')}`;
}

/**
 * Down traffic, by sequence number: `command seq 7-9 missing (sent 10.00s-20.00s, during wifi-outage)`.
 * Messages without a `seq` are left out (they are still judged one by one).
 */
export function gapLines(cls: string, messages: readonly Message[], link: Link): string[] {
  const sent = sequenced(messages);
  const tag = epochTag(sent);
  const gaps = findGaps(
    sent.map((m) => ({ seq: m.seq as number, epoch: m.epoch, missing: m.copies.length === 0 })),
  );
  return gaps.map((g) => {
    const inGap = sent.slice(g.first, g.last + 1);
    const from = (inGap[0] as Message).emit;
    const to = (inGap[inGap.length - 1] as Message).emit;
    const when = from === to ? at(from) : `${at(from)}-${at(to)}`;
    const faults = outagesDuring(link, from, to);
    const where = faults.length ? `during ${faults.join(', ')}` : 'with the link up';
    return `${cls} seq ${rangeText(g)}${tag(inGap[0] as Message)} missing (sent ${when}, ${where})${whoLost(inGap)}`;
  });
}

/** Down commands that carry a sequence number, in send order. */
function sequenced(messages: readonly Message[]): Message[] {
  return messages.filter((m) => m.direction === 'down' && m.seq !== undefined);
}

/** ` of epoch 7` when the class's commands span more than one epoch. */
function epochTag(messages: readonly Message[]): (m: Message) => string {
  const several = new Set(messages.map((m) => m.epoch)).size > 1;
  return (m) => (several && m.epoch !== undefined ? ` of epoch ${m.epoch}` : '');
}

/** `command seq 4 received 2 times (28.51s, 28.60s)`: duplicates named by sequence number. */
export function duplicateSeqLines(cls: string, messages: readonly Message[]): string[] {
  const sent = sequenced(messages);
  const tag = epochTag(sent);
  return sent
    .filter((m) => m.copies.length > 1)
    .map(
      (m) =>
        `${cls} seq ${m.seq}${tag(m)} received ${m.copies.length} times (${listOf(m.copies.map(at), 4)})`,
    );
}

/**
 * `command seq 6 received 28.50s, before seq 5 (28.61s)`: first arrivals against sequence
 * order within an epoch, each naming the lowest earlier number it overtook.
 */
export function orderLines(cls: string, messages: readonly Message[]): string[] {
  const sent = sequenced(messages).filter((m) => m.copies.length > 0);
  const tag = epochTag(sent);
  const lines: string[] = [];
  for (const m of sent) {
    const first = m.copies[0] as number;
    const overtaken = sent.find(
      (e) => e.epoch === m.epoch && (e.seq as number) < (m.seq as number) && (e.copies[0] as number) > first,
    );
    if (overtaken) {
      lines.push(
        `${cls} seq ${m.seq}${tag(m)} received ${at(first)}, before seq ${overtaken.seq} (${at(overtaken.copies[0] as number)}): out of order`,
      );
    }
  }
  return lines;
}
