/** One `mqtt` event of the agent: its state and when it came (ms, any clock). */
export interface MqttSeen {
  state: string;
  t: number;
}

/**
 * What the agent said while hil waited for `connected`, for the error when it never came:
 * `12 × connecting, last at 29.1 s; 3 × disconnected, last at 28.0 s` (seconds after `since`,
 * states in the order first seen), or that it said nothing about MQTT at all.
 */
export function mqttSeenText(seen: readonly MqttSeen[], since: number): string {
  if (seen.length === 0) return 'the agent reported no MQTT state at all';
  const byState = new Map<string, { n: number; last: number }>();
  for (const e of seen) {
    const s = byState.get(e.state) ?? { n: 0, last: e.t };
    s.n++;
    s.last = Math.max(s.last, e.t);
    byState.set(e.state, s);
  }
  return [...byState]
    .map(([state, s]) => `${s.n} × ${state}, last at ${((s.last - since) / 1000).toFixed(1)} s`)
    .join('; ');
}
