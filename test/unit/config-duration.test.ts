import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { describeDurationProblem, formatDuration, parseDuration } from '../../harness/spec/duration.js';
import { BASE_SCENARIO, boardsErrors, scenarioErrors } from './config-helpers.js';

describe('durations', () => {
  const good: Array<[string, number]> = [
    ['250ms', 250],
    ['15s', 15_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['0s', 0],
  ];
  for (const [text, ms] of good) {
    it(`reads ${text} as ${ms} ms`, () => expect(parseDuration(text)).to.equal(ms));
  }

  for (const bad of ['15', '-5s', '15 sec', 's', '', '1e3s', '15S']) {
    it(`rejects ${JSON.stringify(bad)}`, () => expect(parseDuration(bad)).to.equal(undefined));
  }

  it('says what is wrong and what to write, without the word "duration" first', () => {
    expect(describeDurationProblem(30)).to.equal('30 has no unit; write it with one, e.g. "30s" or "30ms"');
    expect(describeDurationProblem('-5s')).to.equal(
      '"-5s" is negative; write a duration of 0 or more, e.g. "15s"',
    );
    expect(describeDurationProblem(-2)).to.equal('-2 is negative; write a duration of 0 or more, e.g. "15s"');
    expect(describeDurationProblem('5 minutes')).to.equal('"5 minutes" has an unknown unit; write "5m"');
    expect(describeDurationProblem('15S')).to.equal('"15S" has an unknown unit; write "15s"');
    expect(describeDurationProblem('5 ms')).to.equal('"5 ms" has a space before its unit; write "5ms"');
    expect(describeDurationProblem('5 fortnights')).to.equal(
      '"5 fortnights" has an unknown unit; use ms, s, m or h, e.g. "5s"',
    );
    expect(describeDurationProblem(true)).to.equal(
      'expected a number with a unit such as "15s", got boolean true',
    );
    expect(describeDurationProblem([])).to.equal('expected a number with a unit such as "15s", got a list');
    expect(describeDurationProblem('soon')).to.equal(
      '"soon" is not a duration; write a number and a unit, e.g. "250ms", "15s", "2m"',
    );
  });

  it('formats milliseconds the way the YAML writes them', () => {
    expect([250, 15_000, 120_000, 3_600_000, 1500].map(formatDuration)).to.deep.equal([
      '250ms',
      '15s',
      '2m',
      '1h',
      '1500ms',
    ]);
  });
});

describe('config messages: the key is named once', () => {
  it('a bad duration reads file:line:col: key: what is wrong; what to write', () => {
    expect(scenarioErrors(BASE_SCENARIO.replace('duration: 60s', 'duration: 60'))).to.deep.equal([
      's.yml:2:11: duration: 60 has no unit; write it with one, e.g. "60s" or "60ms"',
    ]);
    expect(scenarioErrors(`${BASE_SCENARIO}faults: [{ at: 5s, wifi-outage: { for: 20 } }]\n`)).to.deep.equal([
      's.yml:7:40: for: 20 has no unit; write it with one, e.g. "20s" or "20ms"',
    ]);
    expect(scenarioErrors(`${BASE_SCENARIO}checks: [{ reconnects-within: 15 sec }]\n`)).to.deep.equal([
      's.yml:7:31: reconnects-within: "15 sec" has an unknown unit; write "15s"',
    ]);
    expect(
      boardsErrors(
        'boards:\n  - id: a\n    serial: /dev/ttyACM0\n    listen: 0.0.0.0:21001\n    reset: { line: dtr, pulse: 100 }\n',
      ),
    ).to.deep.equal(['boards.yml:5:32: pulse: 100 has no unit; write it with one, e.g. "100s" or "100ms"']);
  });

  // Every key of the shipped files, given a wrong value of each kind: no message says its key
  // twice (`duration: duration 60 ...`, `for: for ...`, `at: an at ...`).
  it('no message of the scenario or boards.yml loaders repeats its key', () => {
    const files: Array<[string, (text: string) => string[]]> = [
      ['scenarios/wifi-drop-20s.yml', scenarioErrors],
      ['scenarios/flapping-link.yml', scenarioErrors],
      ['boards.yml', boardsErrors],
      ['fixtures/boards/real-rack.yml', boardsErrors],
    ];
    const seen: string[] = [];
    for (const [file, errorsOf] of files) {
      const doc = parse(readFileSync(file, 'utf8')) as unknown;
      for (const path of keyPaths(doc))
        for (const bad of [60, '5 sec', true, { x: 1 }])
          seen.push(...errorsOf(stringify(withValue(doc, path, bad))));
    }
    const messages = seen.map((line) => line.replace(/^[^:]+:\d+:\d+: /, ''));
    expect(messages.filter((m) => m.startsWith('duration: '))).not.to.deep.equal([]);
    expect(messages.filter((m) => /^([\w-]+): (?:(?:a|an|the|expected an?) )?\1\b/i.test(m))).to.deep.equal(
      [],
    );
  });
});

type Path = Array<string | number>;

/** Every key's path in a YAML document (list items included). */
function keyPaths(v: unknown, path: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return path.length ? [path] : [];
  const own = path.length ? [path] : [];
  return [
    ...own,
    ...Object.entries(v).flatMap(([k, x]) => keyPaths(x, [...path, Array.isArray(v) ? Number(k) : k])),
  ];
}

function withValue(doc: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
  at[path.at(-1) as string | number] = value;
  return copy;
}
