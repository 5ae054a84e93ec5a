import type { PolicySpec } from '../../spec/policy.js';
import { duration } from '../../spec/schema-parts.js';
import { misdelivered, undelivered } from '../explain.js';
import type { ClassFinding, DeliveryProblem } from '../findings.js';
import type { Message } from '../messages.js';
import { firstAtLeast, firstWhere, isAscending } from '../search.js';
import { definePolicy } from './policy.js';

export interface MustDeliverSpec extends PolicySpec {
  policy: 'must-deliver';
  exactlyOnce: boolean;
  ordered: boolean;
}

/**
 * `must-deliver`: every message arrives at least once by the end; nothing is excused.
 * `exactly-once` fails a second copy; `ordered` fails a first arrival that overtook an earlier emit.
 */
export const mustDeliver = definePolicy<MustDeliverSpec>({
  name: 'must-deliver',
  bare: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['must-deliver'],
    description: 'Every message arrives at least once by the end of the drain period.',
    properties: {
      'must-deliver': { const: true },
      'exactly-once': { type: 'boolean', description: 'A second copy fails.' },
      ordered: { type: 'boolean', description: 'First arrivals must follow emit order.' },
      settle: duration('How long the link must be up before the firmware is expected to have reconnected.'),
    },
  },
  parse: (raw, ms) => ({
    policy: 'must-deliver',
    exactlyOnce: raw['exactly-once'] === true,
    ordered: raw.ordered === true,
    ...(raw.settle !== undefined && { settle: ms(raw.settle) }),
  }),
  label: (spec) =>
    [
      'must-deliver',
      ...(spec.exactlyOnce ? ['exactly once'] : []),
      ...(spec.ordered ? ['ordered'] : []),
    ].join(', '),
  deadline: () => undefined,
  judge(spec, ctx) {
    const failures: ClassFinding[] = [];
    const overtook = spec.ordered ? overtaken(ctx.messages) : new Map<Message, Message>();
    for (const m of ctx.messages) {
      if (m.copies.length === 0) {
        failures.push(undelivered(m, ctx));
        continue;
      }
      const problems: DeliveryProblem[] = [];
      if (spec.exactlyOnce && m.copies.length > 1)
        problems.push({ kind: 'copies', copies: m.copies.length, rule: 'exactly-once' });
      const earlier = overtook.get(m);
      if (earlier) {
        problems.push({
          kind: 'overtook',
          earlier: { id: earlier.id, emit: earlier.emit, first: earlier.copies[0] as number },
        });
      }
      if (problems.length) failures.push(misdelivered(m, problems, ctx));
    }
    return { failures, late: 0, notes: [] };
  },
});

/**
 * For each message that arrived first before an earlier-emitted one: the earliest such one (in
 * emit order). Messages come in emit order, so the earlier emits are a prefix, and the earliest
 * one in it whose first copy came later is where a running maximum of first copies passes it.
 */
export function overtaken(messages: readonly Message[]): Map<Message, Message> {
  const delivered = messages.filter((m) => m.copies.length > 0);
  const out = new Map<Message, Message>();
  const emits = delivered.map((m) => m.emit);
  const firsts = delivered.map((m) => m.copies[0] as number);
  if (!isAscending(emits) || firsts.some(Number.isNaN)) {
    delivered.forEach((m, i) => {
      const first = m.copies[0] as number;
      const earlier = delivered.slice(0, i).find((p) => p.emit < m.emit && (p.copies[0] as number) > first);
      if (earlier) out.set(m, earlier);
    });
    return out;
  }
  let max = Number.NEGATIVE_INFINITY;
  const maxFirst = firsts.map((f) => {
    max = Math.max(max, f);
    return max;
  });
  delivered.forEach((m, i) => {
    const first = firsts[i] as number;
    const before = firstAtLeast(emits, m.emit);
    const k = firstWhere(before, (j) => (maxFirst[j] as number) > first);
    if (k < before) out.set(m, delivered[k] as Message);
  });
  return out;
}
