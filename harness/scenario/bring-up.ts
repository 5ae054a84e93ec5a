import { availableParallelism } from 'node:os';

/**
 * How many boards a scenario brings up at once by default: two per core. Bringing a board up is
 * mostly CPU (a board host process loading its modules, ~0.25 s from built JS, then a few ms per
 * board it takes; a real-MicroPython board's interpreter), and a hundred of them at once on two
 * cores would push the last past its ready timeout.
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
