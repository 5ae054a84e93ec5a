import type { ClassFinding } from './findings.js';
import { findGaps } from './gaps.js';
import { type Link, outagesDuring } from './link.js';
import { commandFate, type Message } from './messages.js';
import { firstAtLeast, MinIndexTree } from './search.js';

/**
 * Down traffic, by sequence number: one `seq-gap` per run of missing commands, with the
 * outages its commands were sent in (and how many were, when not all) and where each was lost. Messages without a `seq` are left out (they are
 * still judged one by one).
 */
export function gapFindings(cls: string, messages: readonly Message[], link: Link): ClassFinding[] {
  const sent = sequenced(messages);
  const epoch = epochOf(sent);
  const gaps = findGaps(
    sent.map((m) => ({ seq: m.seq as number, epoch: m.epoch, missing: m.copies.length === 0 })),
  );
  return gaps.map((g) => {
    const inGap = sent.slice(g.first, g.last + 1);
    const from = (inGap[0] as Message).emit;
    const to = (inGap[inGap.length - 1] as Message).emit;
    // The outages some of them were sent in, not every outage between the first and the last.
    const each = inGap.map((m) => outagesDuring(link, m.emit, m.emit));
    const faults = [...new Set(each.flat())];
    const during = each.filter((f) => f.length > 0).length;
    return {
      kind: 'seq-gap',
      level: 'info',
      cls,
      from: g.from,
      to: g.to,
      ...epoch(inGap[0] as Message),
      sent: { from, to },
      faults,
      ...(faults.length > 0 && during < inGap.length && { during }),
      messages: inGap.map((m) => {
        const command = commandFate(m);
        return { id: m.id, seq: m.seq as number, ...(command && { command }) };
      }),
    };
  });
}

/** Down commands that carry a sequence number, in send order. */
function sequenced(messages: readonly Message[]): Message[] {
  return messages.filter((m) => m.direction === 'down' && m.seq !== undefined);
}

/** `{ epoch }` when the class's commands span more than one epoch; else nothing. */
function epochOf(messages: readonly Message[]): (m: Message) => { epoch?: number } {
  const several = new Set(messages.map((m) => m.epoch)).size > 1;
  return (m) => (several && m.epoch !== undefined ? { epoch: m.epoch } : {});
}

/** A command received more than once, named by sequence number. */
export function duplicateSeqFindings(cls: string, messages: readonly Message[]): ClassFinding[] {
  const sent = sequenced(messages);
  const epoch = epochOf(sent);
  return sent
    .filter((m) => m.copies.length > 1)
    .map((m) => ({
      kind: 'duplicate-seq',
      level: 'info',
      cls,
      seq: m.seq as number,
      ...epoch(m),
      copies: [...m.copies],
    }));
}

/**
 * First arrivals against sequence order within an epoch, each naming the lowest earlier number
 * it overtook.
 */
export function orderFindings(cls: string, messages: readonly Message[]): ClassFinding[] {
  const sent = sequenced(messages).filter((m) => m.copies.length > 0);
  const epoch = epochOf(sent);
  const overtook = firstOvertaken(sent);
  const out: ClassFinding[] = [];
  sent.forEach((m, i) => {
    const first = m.copies[0] as number;
    const overtaken = overtook[i];
    if (overtaken) {
      out.push({
        kind: 'seq-order',
        level: 'info',
        cls,
        seq: m.seq as number,
        ...epoch(m),
        received: first,
        before: { seq: overtaken.seq as number, received: overtaken.copies[0] as number },
      });
    }
  });
  return out;
}

/**
 * For each received command: the first one in send order, of its epoch, with a lower number and
 * a later first arrival. Per epoch, commands are taken by ascending number; those already taken
 * (lower numbers) sit in a tree by arrival rank, asked for the lowest send index arriving later.
 */
function firstOvertaken(sent: readonly Message[]): Array<Message | undefined> {
  const out: Array<Message | undefined> = sent.map(() => undefined);
  // Read once: the sort and the sweep below ask for them O(n log n) times.
  const firsts = sent.map((m) => m.copies[0] as number);
  const seqs = sent.map((m) => m.seq as number);
  if (firsts.some(Number.isNaN) || sent.some((m) => Number.isNaN(m.seq) || Number.isNaN(m.epoch))) {
    sent.forEach((m, i) => {
      out[i] = sent.find(
        (e) =>
          e.epoch === m.epoch &&
          (e.seq as number) < (m.seq as number) &&
          (e.copies[0] as number) > firsts[i]!,
      );
    });
    return out;
  }
  const epochs = new Map<number | undefined, number[]>();
  sent.forEach((m, i) => {
    const group = epochs.get(m.epoch);
    if (group) group.push(i);
    else epochs.set(m.epoch, [i]);
  });
  for (const group of epochs.values()) {
    // Rank 0 is the latest arrival: "arrived later than x" is a rank below x's. The distinct
    // arrival times, ascending in a typed array (a native sort, no Map of 10⁴–10⁵ doubles).
    const arrivals = distinctAscending(Float64Array.from(group, (i) => firsts[i] as number));
    const rankOf = (t: number) => arrivals.length - 1 - firstAtLeast(arrivals, t);
    const bySeq = [...group].sort((a, b) => (seqs[a] as number) - (seqs[b] as number) || a - b);
    const tree = new MinIndexTree(arrivals.length);
    for (let lo = 0; lo < bySeq.length; ) {
      // Ask for every command of one number before taking any of them in: "lower" is strict.
      let hi = lo;
      const seq = seqs[bySeq[lo] as number];
      while (hi < bySeq.length && seqs[bySeq[hi] as number] === seq) hi++;
      for (let k = lo; k < hi; k++) {
        const i = bySeq[k] as number;
        const j = tree.minBelow(rankOf(firsts[i] as number));
        if (j !== undefined) out[i] = sent[j];
      }
      for (let k = lo; k < hi; k++) {
        const i = bySeq[k] as number;
        tree.insert(rankOf(firsts[i] as number), i);
      }
      lo = hi;
    }
  }
  return out;
}

/** The distinct values of a NaN-free array, ascending (sorted and compacted in place). */
function distinctAscending(v: Float64Array): Float64Array {
  v.sort();
  let n = 0;
  for (let k = 0; k < v.length; k++) if (n === 0 || v[k] !== v[n - 1]) v[n++] = v[k] as number;
  return v.subarray(0, n);
}
