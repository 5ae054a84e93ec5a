import { expect } from 'chai';
import { minutes } from '../../harness/run/run-suite.js';

describe('the run header: how long the plan is', () => {
  it('says seconds under a minute, minutes and seconds above, never rounds 90 s up to 2 min', () => {
    expect(minutes(45_000)).to.equal('45 s');
    expect(minutes(44_001)).to.equal('45 s');
    expect(minutes(90_000)).to.equal('1 min 30 s');
    expect(minutes(720_000)).to.equal('12 min');
  });
});
