import { availableParallelism } from 'node:os';

/**
 * How many boards a scenario brings up at once by default: two per core. Starting a virtual
 * board is mostly CPU (a Node process loading its modules, ~0.25 s of CPU from built JS), so
 * 100 boards started all at once on 2 cores would each take ~12 s to be ready, past the timeout.
 */
export function defaultStartConcurrency(): number {
  return 2 * availableParallelism();
}

/**
 * `fn` over `items`, at most `limit` (≥ 1) running at a time, each started as soon as a slot
 * frees; resolves with the results in the items' order. A rejection rejects the whole, as
 * Promise.all does (the board driver's `start` never rejects).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i] as T, i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
