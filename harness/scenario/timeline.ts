import { latenessStats } from './stats.js';

export interface TimelineEvent {
  /** ms from t = 0. */
  t: number;
  label: string;
  fire(): Promise<void> | void;
}

export interface Clock {
  now(): number;
}

export const monotonic: Clock = { now: () => performance.now() };

export interface TimelineResult {
  lateness: Array<{ label: string; t: number; lateMs: number }>;
  errors: Array<{ label: string; error: unknown }>;
}

/**
 * Fires each event at t0 + t. Events are not awaited one after another: a slow serial
 * write must not delay the next fault. Lateness (actual - scheduled) is recorded per event.
 */
export async function runTimeline(
  events: readonly TimelineEvent[],
  t0: number,
  signal?: AbortSignal,
  clock: Clock = monotonic,
): Promise<TimelineResult> {
  const ordered = [...events].sort((a, b) => a.t - b.t);
  const result: TimelineResult = { lateness: [], errors: [] };
  const running: Promise<void>[] = [];
  for (const ev of ordered) {
    if (signal?.aborted) break;
    await sleepUntil(t0 + ev.t, clock, signal);
    if (signal?.aborted) break;
    const lateMs = clock.now() - (t0 + ev.t);
    result.lateness.push({ label: ev.label, t: ev.t, lateMs });
    running.push(
      Promise.resolve()
        .then(() => ev.fire())
        .catch((error: unknown) => {
          result.errors.push({ label: ev.label, error });
        }),
    );
  }
  await Promise.all(running);
  return result;
}

export function summarize(lateness: TimelineResult['lateness']) {
  return latenessStats(lateness.map((l) => l.lateMs));
}

/** Resolves at `target` on the clock (never before: libuv timers may fire up to 1 ms early), or at once when aborted. */
export async function sleepUntil(
  target: number,
  clock: Clock = monotonic,
  signal?: AbortSignal,
): Promise<void> {
  for (let wait = target - clock.now(); wait > 0 && !signal?.aborted; wait = target - clock.now()) {
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.ceil(wait)));
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
