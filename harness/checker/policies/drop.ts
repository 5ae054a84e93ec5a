import { deliveredLine, idsOf, undeliveredLine } from '../explain.js';
import { at, dur, elapsed, over } from '../format.js';
import { isSettledAt, upSince } from '../link.js';
import type { Message } from '../messages.js';
import type { PolicyJudge } from './judge.js';

/**
 * `drop`: losses while the link is down or not yet settled are fine; a message emitted on a
 * settled link must arrive by the end; with `max-age`, no copy may arrive later than that.
 */
export const judgeDrop: PolicyJudge<'drop'> = (spec, ctx) => {
  const failures: string[] = [];
  const excused: Message[] = [];
  let late = 0;
  for (const m of ctx.messages) {
    if (m.copies.length > 0) {
      const maxAge = spec.maxAge;
      const old = maxAge === undefined ? undefined : m.copies.find((t) => elapsed(m.emit, t) > maxAge);
      if (maxAge !== undefined && old !== undefined) {
        late++;
        failures.push(
          deliveredLine(m, [`${over(old - m.emit, maxAge, 'max-age ')} (too old)`], ctx.tolerance),
        );
      }
    } else if (isSettledAt(ctx.link, m.emit, ctx.settle)) {
      const since = upSince(ctx.link, m.emit) ?? 0;
      failures.push(
        undeliveredLine(m, ctx.end, ctx.tolerance, {
          afterEmit: `on a settled link (up since ${at(since)})`,
        }),
      );
    } else {
      excused.push(m);
    }
  }
  const notes = excused.length
    ? [
        `${excused.length} not delivered, emitted while the link was down or up less than ${dur(ctx.settle)} (allowed): ${idsOf(excused)}`,
      ]
    : [];
  return { failures, late, notes };
};
