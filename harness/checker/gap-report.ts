import { at } from './format.js';
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
  const sent = messages.filter((m) => m.direction === 'down' && m.seq !== undefined);
  const epochs = new Set(sent.map((m) => m.epoch));
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
    const epoch = epochs.size > 1 && g.epoch !== undefined ? ` of epoch ${g.epoch}` : '';
    return `${cls} seq ${rangeText(g)}${epoch} missing (sent ${when}, ${where})${whoLost(inGap)}`;
  });
}
