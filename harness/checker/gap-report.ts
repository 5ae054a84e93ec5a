import { at } from './format.js';
import { findGaps, rangeText } from './gaps.js';
import { type Link, outagesDuring } from './link.js';
import type { Message } from './messages.js';

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
    const forgot = inGap.filter((m) => m.brokerForgot !== undefined).length;
    const broker =
      forgot === 0 ? '' : forgot === inGap.length ? '; lost at broker' : `; ${forgot} of them lost at broker`;
    return `${cls} seq ${rangeText(g)}${epoch} missing (sent ${when}, ${where})${broker}`;
  });
}
