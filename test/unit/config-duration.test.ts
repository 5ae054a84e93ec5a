import { expect } from 'chai';
import { describeDurationProblem, formatDuration, parseDuration } from '../../harness/spec/duration.js';

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

  it('says why a value is not a duration', () => {
    expect(describeDurationProblem(30)).to.match(/has no unit.*"30s"/);
    expect(describeDurationProblem('-5s')).to.match(/negative/);
    expect(describeDurationProblem('5 minutes')).to.match(/unknown unit/);
    expect(describeDurationProblem(-2)).to.match(/negative/);
    expect(describeDurationProblem(true)).to.match(/expected a duration/);
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
