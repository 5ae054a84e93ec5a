import { type Clock, monotonic, sleepUntil } from '../spec/clock.js';

export interface TimelineEvent {
  /** ms from t = 0. */
  t: number;
  label: string;
  fire(): Promise<void> | void;
}

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
