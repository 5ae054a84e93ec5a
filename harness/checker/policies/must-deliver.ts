import { deliveredLine, undeliveredLine } from '../explain.js';
import { at } from '../format.js';
import type { Message } from '../messages.js';
import type { PolicyJudge } from './judge.js';

/**
 * `must-deliver`: every message arrives at least once by the end; nothing is excused.
 * `exactly-once` fails a second copy; `ordered` fails a first arrival that overtook an earlier emit.
 */
export const judgeMustDeliver: PolicyJudge<'must-deliver'> = (spec, ctx) => {
  const failures: string[] = [];
  const overtook = spec.ordered ? overtaken(ctx.messages) : new Map<Message, Message>();
  for (const m of ctx.messages) {
    if (m.copies.length === 0) {
      failures.push(undeliveredLine(m, ctx.end, ctx.tolerance));
      continue;
    }
    const problems: string[] = [];
    if (spec.exactlyOnce && m.copies.length > 1) problems.push(`${m.copies.length} copies (exactly-once)`);
    const earlier = overtook.get(m);
    if (earlier) {
      problems.push(
        `before ${earlier.id}, emitted earlier at ${at(earlier.emit)} and first delivered ${at(earlier.copies[0] as number)} (out of order)`,
      );
    }
    if (problems.length) failures.push(deliveredLine(m, problems, ctx.tolerance));
  }
  return { failures, late: 0, notes: [] };
};

/** For each message that arrived first before an earlier-emitted one: the earliest such one. */
function overtaken(messages: readonly Message[]): Map<Message, Message> {
  const delivered = messages.filter((m) => m.copies.length > 0);
  const out = new Map<Message, Message>();
  delivered.forEach((m, i) => {
    const first = m.copies[0] as number;
    const earlier = delivered.slice(0, i).find((p) => p.emit < m.emit && (p.copies[0] as number) > first);
    if (earlier) out.set(m, earlier);
  });
  return out;
}
