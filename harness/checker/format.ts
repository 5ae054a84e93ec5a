/**
 * `to - from` in ms at the history's resolution (µs). Float noise must not move a knife edge:
 * 29512.454 + 5000 - 29512.454 is 4999.999999999996 in doubles.
 */
export function elapsed(from: number, to: number): number {
  return Math.round((to - from) * 1000) / 1000;
}

/** How times read in reasons: seconds from t = 0 with two decimals. */
export function at(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

/** `x` with ms precision when two decimals would read as `ref`. */
export function atBeside(x: number, ref: number): string {
  return at(x) === at(ref) && x !== ref ? `${(x / 1000).toFixed(3)}s` : at(x);
}

/** A measured span (a latency, a lateness), same shape as `at`. */
export const span = at;

/** `17.38s > 15s`; with ms precision when two decimals would hide the excess (`15.001s > 15s`). */
export function over(actual: number, limit: number, label = ''): string {
  const two = span(actual);
  const shown = two === span(limit) ? `${(actual / 1000).toFixed(3)}s` : two;
  return `${shown} > ${label}${dur(limit)}`;
}

/** A small measured span in ms (`51ms`), a larger one as `span`. */
export function small(ms: number): string {
  return Math.abs(ms) < 1000 ? `${Math.round(ms)}ms` : span(ms);
}

/** A configured duration as a person wrote it: `15s`, `2.5s`, `250ms`. */
export function dur(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/** `a, b, c` with at most `max` items, then how many more. */
export function listOf(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (+${items.length - max} more)` : shown;
}
