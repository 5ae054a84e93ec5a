import type { LatencyStats } from './verdict.js';

/** min, median, p95 (nearest rank) and max of latencies in ms, rounded to 0.1 ms; null when empty. */
export function latencyStats(values: ArrayLike<number>): LatencyStats | null {
  if (values.length === 0) return null;
  // A typed array sorts numbers without a comparator call each: ~10x faster on 10⁵ latencies.
  const v = Float64Array.from(values).sort();
  const n = v.length;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
  const p95 = v[Math.ceil(0.95 * n) - 1] as number;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { min: r(v[0] as number), median: r(median), p95: r(p95), max: r(v[n - 1] as number) };
}
