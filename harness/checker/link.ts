import { type FaultSpans, faultSpans } from '../history/fault-spans.js';
import type { Op } from '../history/ops.js';
import type { LinkProblem } from './findings.js';
import { elapsed } from './format.js';
import { firstWhere, isAscending } from './search.js';

/** A span of time in ms, `[start, end)`; `end` is Infinity for a fault that never ended. */
export interface Interval {
  start: number;
  end: number;
}

/** One outage as recorded: a `fault` start/end pair with `down: true`, or a reboot. */
export interface Outage extends Interval {
  fault: string;
  /** `reboot`: down from the reboot until the agent's next `mqtt connected`. */
  kind: 'outage' | 'reboot';
}

/**
 * A board's link over the run: up from t = 0, down during outages.
 * `down` merges every outage (and gaps shorter than ε between them) into disjoint spans.
 */
export interface Link {
  outages: readonly Outage[];
  down: readonly Interval[];
  /** ε: an instant less than this before an outage starts counts as inside it. */
  tolerance: number;
  /** What the history leaves unclear (a start without an end, an end without a start). */
  problems: LinkProblem[];
}

/** Builds the link from one board's ops, sorted by time, on the shared fault pairing (given, when already made). */
export function linkOf(ops: readonly Op[], tolerance: number, paired: FaultSpans = faultSpans(ops)): Link {
  const { spans, orphanEnds } = paired;
  const problems: LinkProblem[] = orphanEnds.map((op) => ({
    kind: 'fault-without-start',
    level: 'error',
    fault: op.fault,
    t: op.t,
  }));
  const outages: Outage[] = [];
  for (const s of spans) {
    if (s.reboot) {
      outages.push({
        fault: s.fault,
        kind: 'reboot',
        start: s.start,
        end: s.end ?? Number.POSITIVE_INFINITY,
      });
      continue;
    }
    if (!s.startOp.down) continue;
    if (s.end === undefined)
      problems.push({ kind: 'fault-never-ended', level: 'error', fault: s.fault, start: s.start });
    outages.push({ fault: s.fault, kind: 'outage', start: s.start, end: s.end ?? Number.POSITIVE_INFINITY });
  }
  outages.sort((a, b) => a.start - b.start || a.end - b.end);
  return { outages, down: merge(outages, tolerance), tolerance, problems };
}

/** Spans closer than ε hold no up instant (each start's ε zone covers the gap), so they merge. */
function merge(spans: readonly Interval[], eps: number): Interval[] {
  const out: Interval[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && (s.start <= last.end || s.start < last.end + eps)) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

function inside(x: number, d: Interval, eps: number): boolean {
  return (x >= d.start || x > d.start - eps) && x < d.end;
}

/**
 * The merged spans are sorted and apart by at least ε, so x can only be inside the last one
 * whose (ε-widened) start it has reached: found by binary search.
 */
function downIndex(link: Link, x: number): number {
  const { down, tolerance: eps } = link;
  const k = firstWhere(down.length, (i) => {
    const d = down[i] as Interval;
    return !(x >= d.start || x > d.start - eps);
  });
  return k - 1;
}

/** Down at x, counting an instant less than ε before an outage as inside it. Before t = 0 there is no link. */
export function isDownAt(link: Link, x: number): boolean {
  if (x < 0) return true;
  const d = link.down[downIndex(link, x)];
  return d !== undefined && inside(x, d, link.tolerance);
}

/** Start of the up period that holds x (0 or the end of the last outage), or undefined when down at x. */
export function upSince(link: Link, x: number): number | undefined {
  if (isDownAt(link, x)) return undefined;
  // Merged spans end in ascending order: the last one ended by x is the latest end.
  const k = firstWhere(link.down.length, (i) => !((link.down[i] as Interval).end <= x)) - 1;
  return Math.max(0, k >= 0 ? (link.down[k] as Interval).end : 0);
}

/** Settled at x: up without a break for at least `settle` (up time counts from t = 0). */
export function isSettledAt(link: Link, x: number, settle: number): boolean {
  const since = upSince(link, x);
  return since !== undefined && elapsed(since, x) >= settle;
}

/** The first settled instant in [from, to], if any. */
export function firstSettledIn(link: Link, from: number, to: number, settle: number): number | undefined {
  // Settled stretches begin at `from`, at `settle`, or `settle` after an outage ends; only the
  // outage ends that land in [from, to] are candidates, found by binary search.
  const { down } = link;
  const lo = firstWhere(down.length, (i) => (down[i] as Interval).end + settle >= from);
  const candidates = [from, settle].filter((x) => x >= from && x <= to);
  for (let i = lo; i < down.length; i++) {
    const x = (down[i] as Interval).end + settle;
    if (x > to) break;
    candidates.push(x);
  }
  candidates.sort((a, b) => a - b);
  return candidates.find((x) => isSettledAt(link, x, settle));
}

/**
 * Names of the outages overlapping [from, to] (ε before each start included), in outage order.
 * Outages are sorted by start, so those begun by `to` are a prefix; within it, a running maximum
 * of ends stops the backward walk at the first outage before which none lasts past `from`.
 */
export function outagesDuring(link: Link, from: number, to: number): string[] {
  const { outages, tolerance: eps } = link;
  const index = outageIndex(link);
  if (!index.sorted) return namesOf(outages.filter((o) => overlaps(o, from, to, eps)));
  const begun = firstWhere(outages.length, (i) => {
    const o = outages[i] as Outage;
    return !(to >= o.start || to > o.start - eps);
  });
  const hits: Outage[] = [];
  for (let i = begun - 1; i >= 0 && (index.maxEnd[i] as number) > from; i--) {
    const o = outages[i] as Outage;
    if (o.end > from) hits.push(o);
  }
  return namesOf(hits.reverse());
}

function overlaps(o: Outage, from: number, to: number, eps: number): boolean {
  return o.end > from && (to >= o.start || to > o.start - eps);
}

function namesOf(outages: readonly Outage[]): string[] {
  return [...new Set(outages.map((o) => o.fault))];
}

/** Per link, once: the running maximum of outage ends, and whether starts ascend (as `linkOf` sorts them). */
const OUTAGE_INDEX = new WeakMap<Link, { sorted: boolean; maxEnd: number[] }>();

function outageIndex(link: Link): { sorted: boolean; maxEnd: number[] } {
  let index = OUTAGE_INDEX.get(link);
  if (!index) {
    let max = Number.NEGATIVE_INFINITY;
    const maxEnd = link.outages.map((o) => {
      max = Math.max(max, o.end);
      return max;
    });
    index = { sorted: isAscending(link.outages.map((o) => o.start)), maxEnd };
    OUTAGE_INDEX.set(link, index);
  }
  return index;
}
