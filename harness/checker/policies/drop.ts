import type { PolicySpec } from '../../spec/policy.js';
import { duration } from '../../spec/schema-parts.js';
import { misdelivered, undelivered } from '../explain.js';
import type { ClassFinding } from '../findings.js';
import { dur, elapsed } from '../format.js';
import { isSettledAt, upSince } from '../link.js';
import type { Message } from '../messages.js';
import { definePolicy } from './policy.js';

export interface DropSpec extends PolicySpec {
  policy: 'drop';
  /** A copy arriving later than this after its emit fails. */
  maxAge?: number;
}

/**
 * `drop`: losses while the link is down or not yet settled are fine; a message emitted on a
 * settled link must arrive by the end; with `max-age`, no copy may arrive later than that.
 */
export const drop = definePolicy<DropSpec>({
  name: 'drop',
  bare: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['drop'],
    description: 'Losses during outages are fine; a message emitted on a settled link must arrive.',
    properties: {
      drop: { const: true },
      'max-age': duration('Optional: a copy arriving later than this after its emit fails.'),
      settle: duration('How long the link must be up before the firmware is expected to have reconnected.'),
    },
  },
  parse: (raw, ms) => ({
    policy: 'drop',
    ...(raw.settle !== undefined && { settle: ms(raw.settle) }),
    ...(raw['max-age'] !== undefined && { maxAge: ms(raw['max-age']) }),
  }),
  label: (spec) => (spec.maxAge !== undefined ? `drop, max-age ${dur(spec.maxAge)}` : 'drop'),
  deadline: (spec) => spec.maxAge,
  judge(spec, ctx) {
    const failures: ClassFinding[] = [];
    const excused: Message[] = [];
    let late = 0;
    for (const m of ctx.messages) {
      if (m.copies.length > 0) {
        const maxAge = spec.maxAge;
        const old = maxAge === undefined ? undefined : m.copies.find((t) => elapsed(m.emit, t) > maxAge);
        if (maxAge !== undefined && old !== undefined) {
          late++;
          failures.push(misdelivered(m, [{ kind: 'too-old', copy: old, age: old - m.emit, maxAge }], ctx));
        }
      } else if (isSettledAt(ctx.link, m.emit, ctx.settle)) {
        failures.push(undelivered(m, ctx, { upSince: upSince(ctx.link, m.emit) ?? 0 }));
      } else {
        excused.push(m);
      }
    }
    const notes: ClassFinding[] = excused.length
      ? [{ kind: 'excused', level: 'info', ids: excused.map((m) => m.id), settle: ctx.settle }]
      : [];
    return { failures, late, notes };
  },
});
