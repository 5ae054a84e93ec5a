import type { PolicySpec } from '../../spec/policy.js';
import { duration } from '../../spec/schema-parts.js';
import { misdelivered, undelivered } from '../explain.js';
import type { ClassFinding, DeliveryProblem } from '../findings.js';
import { dur, elapsed } from '../format.js';
import { firstSettledIn, upSince } from '../link.js';
import type { Message } from '../messages.js';
import { definePolicy } from './policy.js';

export interface RetryWithinSpec extends PolicySpec {
  policy: 'retry-within';
  /** The deadline D, from the emit. */
  within: number;
  duplicates: 'allowed' | 'forbidden';
}

/**
 * `retry-within: D`: every copy arrives within D of its emit, or none ever does. A message that
 * never arrives fails only if some instant in [emit, emit + D] (cut at the end) was settled.
 */
export const retryWithin = definePolicy<RetryWithinSpec>({
  name: 'retry-within',
  bare: { lacks: 'a deadline', write: '{ retry-within: 15s }' },
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['retry-within'],
    description: 'Every copy arrives within the deadline of its emit, or none ever does.',
    properties: {
      'retry-within': duration('The deadline D, counted from the emit.'),
      duplicates: {
        enum: ['allowed', 'forbidden'],
        description: 'forbidden: a second copy fails (default allowed).',
      },
      settle: duration('How long the link must be up before the firmware is expected to have reconnected.'),
    },
  },
  parse: (raw, ms) => ({
    policy: 'retry-within',
    within: ms(raw['retry-within']),
    duplicates: (raw.duplicates as 'allowed' | 'forbidden' | undefined) ?? 'allowed',
    ...(raw.settle !== undefined && { settle: ms(raw.settle) }),
  }),
  label: (spec) =>
    `retry-within ${dur(spec.within)}${spec.duplicates === 'forbidden' ? ', no duplicates' : ''}`,
  deadline: (spec) => spec.within,
  judge(spec, ctx) {
    const failures: ClassFinding[] = [];
    const excused: Message[] = [];
    let late = 0;
    const d = spec.within;
    for (const m of ctx.messages) {
      if (m.copies.length > 0) {
        const problems: DeliveryProblem[] = [];
        const stale = m.copies.find((t) => elapsed(m.emit, t) > d);
        if (stale !== undefined) {
          late++;
          problems.push({
            kind: 'stale',
            copy: stale,
            age: stale - m.emit,
            within: d,
            first: stale === m.copies[0],
          });
        }
        if (spec.duplicates === 'forbidden' && m.copies.length > 1) {
          problems.push({ kind: 'copies', copies: m.copies.length, rule: 'duplicates forbidden' });
        }
        if (problems.length) failures.push(misdelivered(m, problems, ctx));
        continue;
      }
      const settled = firstSettledIn(ctx.link, m.emit, Math.min(m.emit + d, ctx.end), ctx.settle);
      if (settled === undefined) excused.push(m);
      else {
        // Settled already at the emit: since when says more than "settled at the emit".
        const since = settled === m.emit ? upSince(ctx.link, m.emit) : undefined;
        failures.push(
          undelivered(m, ctx, {
            settled: { t: settled, within: d },
            ...(since !== undefined && { upSince: since }),
          }),
        );
      }
    }
    const notes: ClassFinding[] = excused.length
      ? [{ kind: 'excused', level: 'info', ids: excused.map((m) => m.id), settle: ctx.settle, within: d }]
      : [];
    return { failures, late, notes };
  },
});
