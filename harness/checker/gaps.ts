/** One command as sent, in send order: its sequence number, epoch, and whether it never arrived. */
export interface SeqMark {
  seq: number;
  epoch?: number;
  missing: boolean;
}

/** A run of consecutive missing sequence numbers; `first`/`last` index the input. */
export interface SeqGap {
  epoch?: number;
  from: number;
  to: number;
  first: number;
  last: number;
}

/**
 * Finds the gaps in a sequence, as a resuming client would: adjacent missing marks with the
 * same epoch and consecutive numbers form one range. A new epoch restarts the numbering, so a
 * range never spans two epochs.
 */
export function findGaps(marks: readonly SeqMark[]): SeqGap[] {
  const gaps: SeqGap[] = [];
  let open: SeqGap | undefined;
  marks.forEach((m, i) => {
    if (!m.missing) {
      open = undefined;
      return;
    }
    if (open && open.epoch === m.epoch && m.seq === open.to + 1 && open.last === i - 1) {
      open.to = m.seq;
      open.last = i;
      return;
    }
    open = { from: m.seq, to: m.seq, first: i, last: i };
    if (m.epoch !== undefined) open.epoch = m.epoch;
    gaps.push(open);
  });
  return gaps;
}

/** `7`, or `7-9`. */
export function rangeText(g: Pick<SeqGap, 'from' | 'to'>): string {
  return g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`;
}
