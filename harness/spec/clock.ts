/** The host's monotonic clock in ms (`performance.now()`), and waits on it that never end early. */
export interface Clock {
  now(): number;
}

export const monotonic: Clock = { now: () => performance.now() };

/**
 * Resolves at `target` on the clock, never before (libuv timers may fire up to 1 ms early),
 * or at once when `signal` aborts.
 */
export async function sleepUntil(
  target: number,
  clock: Clock = monotonic,
  signal?: AbortSignal,
): Promise<void> {
  for (let wait = target - clock.now(); wait > 0 && !signal?.aborted; wait = target - clock.now()) {
    await sleep(Math.max(1, Math.ceil(wait)), signal);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
