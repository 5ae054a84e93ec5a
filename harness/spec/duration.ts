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

/**
 * Says what is wrong with a value that is not a duration and how to write it, without naming
 * the key: the caller puts the key first (`drain: "-5s" is negative; ...`), so the text never
 * starts with the word "duration" (a key named `duration` would read it twice).
 */
export function describeDurationProblem(value: unknown): string {
  const shown = JSON.stringify(value);
  switch (durationProblem(value)) {
    case 'negative':
      return `${shown} is negative; write a duration of 0 or more, e.g. "15s"`;
    case 'no-unit':
      return `${shown} has no unit; write it with one, e.g. "${String(value).trim()}s" or "${String(value).trim()}ms"`;
    case 'bad-unit': {
      const [, n, unit] = /^([0-9.]+)\s*([a-zA-Z]+)$/.exec(String(value).trim()) ?? [];
      const meant = unit === undefined ? undefined : UNIT_WORDS[unit.toLowerCase()];
      if (meant !== undefined && meant === unit)
        return `${shown} has a space before its unit; write "${n}${meant}"`;
      return meant
        ? `${shown} has an unknown unit; write "${n}${meant}"`
        : `${shown} has an unknown unit; use ms, s, m or h, e.g. "${n}s"`;
    }
    case 'not-a-string':
      return `expected a number with a unit such as "15s", got ${kindOf(value)}`;
    default:
      return `${shown} is not a duration; write a number and a unit, e.g. "250ms", "15s", "2m"`;
  }
}

/** Unit words people write, as hil's units: `5 sec` is meant as `5s`. */
const UNIT_WORDS: Record<string, keyof typeof UNIT_MS> = {
  ms: 'ms',
  msec: 'ms',
  msecs: 'ms',
  millisecond: 'ms',
  milliseconds: 'ms',
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
};

/** A value that is no string, as the schema checker's other messages show one: `boolean true`, `a list`. */
function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Formats milliseconds the way the YAML writes them, for messages and reports. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
