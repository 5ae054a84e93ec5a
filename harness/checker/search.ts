/**
 * Binary search and a small index tree, so the checker answers "which one at time x" in
 * O(log n) instead of scanning every op per message (a soak history holds a million ops).
 */

/** The first index in [lo, hi) where `pred` holds, given `pred` is false then true along it; `hi` when never. */
export function firstWhere(n: number, pred: (i: number) => boolean, lo = 0): number {
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first index of an ascending array whose value is > x (its length when none). */
export function firstAbove(sorted: readonly number[], x: number): number {
  return firstWhere(sorted.length, (i) => (sorted[i] as number) > x);
}

/** The first index of an ascending array whose value is >= x (its length when none). */
export function firstAtLeast(sorted: ArrayLike<number>, x: number): number {
  return firstWhere(sorted.length, (i) => (sorted[i] as number) >= x);
}

/** Ascending, NaN-free: what the searches above need. */
export function isAscending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (!((xs[i - 1] as number) <= (xs[i] as number))) return false;
  return xs.every((x) => !Number.isNaN(x));
}

/**
 * Lowest index stored under a rank below r, with point inserts (a Fenwick tree of minima over
 * ranks 0..size-1). Answers "the earliest item ranked before this one" in O(log n).
 */
export class MinIndexTree {
  private readonly tree: Float64Array;

  constructor(size: number) {
    this.tree = new Float64Array(size + 1).fill(Number.POSITIVE_INFINITY);
  }

  insert(rank: number, index: number): void {
    for (let i = rank + 1; i < this.tree.length; i += i & -i)
      if (index < (this.tree[i] as number)) this.tree[i] = index;
  }

  /** The lowest index inserted under a rank in [0, r); undefined when none. */
  minBelow(r: number): number | undefined {
    let best = Number.POSITIVE_INFINITY;
    for (let i = r; i > 0; i -= i & -i) best = Math.min(best, this.tree[i] as number);
    return Number.isFinite(best) ? best : undefined;
  }
}
