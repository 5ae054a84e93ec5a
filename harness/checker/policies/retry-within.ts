import { deliveredLine, idsOf, undeliveredLine } from '../explain.js';
import { at, dur, elapsed, over } from '../format.js';
import { firstSettledIn } from '../link.js';
import type { Message } from '../messages.js';
import type { PolicyJudge } from './judge.js';

/**
 * `retry-within: D`: every copy arrives within D of its emit, or none ever does. A message that
 * never arrives fails only if some instant in [emit, emit + D] (cut at the end) was settled.
 */
export const judgeRetryWithin: PolicyJudge<'retry-within'> = (spec, ctx) => {
  const failures: string[] = [];
  const excused: Message[] = [];
  let late = 0;
  const d = spec.within;
  for (const m of ctx.messages) {
    if (m.copies.length > 0) {
      const problems: string[] = [];
      const stale = m.copies.find((t) => elapsed(m.emit, t) > d);
      if (stale !== undefined) {
        late++;
        const which = stale === m.copies[0] ? 'stale' : 'stale copy';
        problems.push(`${over(stale - m.emit, d)} (${which})`);
      }
      if (spec.duplicates === 'forbidden' && m.copies.length > 1) {
        problems.push(`${m.copies.length} copies (duplicates forbidden)`);
      }
      if (problems.length) failures.push(deliveredLine(m, problems, ctx.tolerance));
      continue;
    }
    const settled = firstSettledIn(ctx.link, m.emit, Math.min(m.emit + d, ctx.end), ctx.settle);
    if (settled === undefined) excused.push(m);
    else {
      const after = `the link was settled at ${at(settled)}, within ${dur(d)} of the emit`;
      failures.push(undeliveredLine(m, ctx.end, ctx.tolerance, { after }));
    }
  }
  const notes = excused.length
    ? [
        `${excused.length} not delivered, the link never up ${dur(ctx.settle)} within ${dur(d)} (allowed): ${idsOf(excused)}`,
      ]
    : [];
  return { failures, late, notes };
};
