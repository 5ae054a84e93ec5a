import { setImmediate as turn } from 'node:timers/promises';
import { type Clock, monotonic, sleepUntil } from '../spec/clock.js';

/**
 * How early the timer wakes before an instant, ms; the rest is waited out a loop turn at a time
 * (I/O still served). A libuv timer has whole-ms resolution and fires up to ~1 ms after its time
 * on an idle loop; this keeps that out of every event's lateness for at most this much CPU.
 */
const WAKE_EARLY_MS = 2;

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
 * Every event due by the time one fires is fired in the same turn: each starts its I/O (a
 * serial write) before the next is timed, and their continuations (records) come after all
 * have started; otherwise the k-th of an instant's events waited for k-1 whole fires.
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
  let i = 0;
  while (i < ordered.length) {
    if (signal?.aborted) break;
    const due = t0 + (ordered[i] as TimelineEvent).t;
    await sleepUntil(due - WAKE_EARLY_MS, clock, signal);
    while (clock.now() < due && !signal?.aborted) await turn();
    if (signal?.aborted) break;
    do {
      const ev = ordered[i++] as TimelineEvent;
      const lateMs = clock.now() - (t0 + ev.t);
      result.lateness.push({ label: ev.label, t: ev.t, lateMs });
      let fired: Promise<void>;
      try {
        fired = Promise.resolve(ev.fire());
      } catch (error) {
        fired = Promise.reject(error);
      }
      running.push(
        fired.catch((error: unknown) => {
          result.errors.push({ label: ev.label, error });
        }),
      );
    } while (i < ordered.length && t0 + (ordered[i] as TimelineEvent).t <= clock.now());
  }
  await Promise.all(running);
  return result;
}
