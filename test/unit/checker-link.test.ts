import { expect } from 'chai';
import { firstSettledIn, isDownAt, isSettledAt, linkOf, outagesDuring } from '../../harness/checker/link.js';
import { prose } from '../../harness/checker/prose.js';
import { history, s } from './checker-history-builder.js';

const SETTLE = 5000;
const EPS = 50;

// One wifi-outage from 20 s to 30 s.
const link = linkOf(history().fault(20, 30).ops, EPS);

describe('checker link model', () => {
  const table: Array<[string, number, boolean, boolean]> = [
    // [what, instant (s), down?, settled?]
    ['before t = 0 there is no link', -1, true, false],
    ['t = 0: up but not settled', 0, false, false],
    ['1 ms before settle after t = 0', 4.999, false, false],
    ['exactly settle after t = 0', 5, false, true],
    ['exactly ε before the outage: still before it', 19.95, false, true],
    ['less than ε before the outage: inside it', 19.951, true, false],
    ['at the outage start', 20, true, false],
    ['1 ms before the outage ends', 29.999, true, false],
    ['at the outage end: up, not settled', 30, false, false],
    ['1 ms before settle after the outage', 34.999, false, false],
    ['exactly settle after the outage', 35, false, true],
  ];
  for (const [what, x, down, settled] of table) {
    it(`${what} (${x}s): ${down ? 'down' : 'up'}, ${settled ? '' : 'not '}settled`, () => {
      expect(isDownAt(link, s(x))).to.equal(down);
      expect(isSettledAt(link, s(x), SETTLE)).to.equal(settled);
    });
  }

  it('finds the first settled instant of a window, or none', () => {
    expect(firstSettledIn(link, s(21), s(35), SETTLE)).to.equal(s(35));
    expect(firstSettledIn(link, s(21), s(34.999), SETTLE)).to.equal(undefined);
    expect(firstSettledIn(link, s(10), s(40), SETTLE)).to.equal(s(10));
    expect(firstSettledIn(link, 0, s(4.999), SETTLE)).to.equal(undefined);
    expect(firstSettledIn(link, 0, s(10), SETTLE)).to.equal(s(5));
  });

  it('joins overlapping outages and gaps shorter than ε; keeps longer gaps', () => {
    const l = linkOf(
      history()
        .fault(10, 20, 'wifi-outage')
        .fault(15, 25, 'broker-outage')
        .fault(25.04, 30, 'half-open')
        .fault(40, 45, 'wifi-outage').ops,
      EPS,
    );
    expect(l.down).to.deep.equal([
      { start: s(10), end: s(30) },
      { start: s(40), end: s(45) },
    ]);
    expect(outagesDuring(l, s(12), s(18))).to.deep.equal(['wifi-outage', 'broker-outage']);
  });

  it('leaves the link up through degradations and resets', () => {
    const l = linkOf(history().fault(10, 20, 'latency', false).fault(12, 12, 'reset', false).ops, EPS);
    expect(l.down).to.deep.equal([]);
    expect(isSettledAt(l, s(15), SETTLE)).to.equal(true);
  });

  it('keeps a reboot down until the next mqtt connected', () => {
    const l = linkOf(history().mqtt(-1, 'connected').reboot(40, 46).ops, EPS);
    expect(l.down).to.deep.equal([{ start: s(40), end: s(46) }]);
    expect(isSettledAt(l, s(50.999), SETTLE)).to.equal(false);
    expect(isSettledAt(l, s(51), SETTLE)).to.equal(true);
  });

  it('counts a fault that never ended as down to the end, and says so', () => {
    const l = linkOf(history().fault(40, undefined).ops, EPS);
    expect(isDownAt(l, s(1000))).to.equal(true);
    expect(prose(l.problems[0]!)).to.match(/wifi-outage started at 40.00s and never ended/);
  });

  it('with ε = 0, the outage start itself is down and the instant before is not', () => {
    const l = linkOf(history().fault(20, 30).ops, 0);
    expect(isDownAt(l, s(19.999))).to.equal(false);
    expect(isDownAt(l, s(20))).to.equal(true);
  });
});
