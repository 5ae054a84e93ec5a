/** Durations in the YAML are strings with a unit; inside hil they are milliseconds. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';
const DURATION_RE = new RegExp(DURATION_PATTERN);

export type DurationProblem = 'not-a-string' | 'negative' | 'no-unit' | 'bad-unit' | 'malformed';

/** Parses `250ms`, `15s`, `1.5m`, `2h` into milliseconds; undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2] as keyof typeof UNIT_MS;
  return Math.round(Number.parseFloat(text) * UNIT_MS[unit]);
}

/** Says why a value is not a duration, for error messages a person can act on. */
export function durationProblem(value: unknown): DurationProblem | undefined {
  if (typeof value === 'number') return value < 0 ? 'negative' : 'no-unit';
  if (typeof value !== 'string') return 'not-a-string';
  const text = value.trim();
  if (DURATION_RE.test(text)) return undefined;
  if (/^-/.test(text)) return 'negative';
  if (/^[0-9.]+$/.test(text)) return 'no-unit';
  if (/^[0-9.]+\s*[a-zA-Z]+$/.test(text)) return 'bad-unit';
  return 'malformed';
}

export function describeDurationProblem(value: unknown): string {
  const shown = JSON.stringify(value);
  switch (durationProblem(value)) {
    case 'negative':
      return `duration ${shown} is negative; durations are positive, e.g. "15s"`;
    case 'no-unit':
      return `duration ${shown} has no unit; write it with one, e.g. "${value}s" or "${value}ms"`;
    case 'bad-unit':
      return `duration ${shown} has an unknown unit; use ms, s, m or h, e.g. "15s"`;
    case 'not-a-string':
      return `expected a duration such as "15s", got ${shown}`;
    default:
      return `${shown} is not a duration; write a number and a unit, e.g. "250ms", "15s", "2m"`;
  }
}

/** Formats milliseconds the way the YAML writes them, for messages and reports. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
