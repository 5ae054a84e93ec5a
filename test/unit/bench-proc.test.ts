import { expect } from 'chai';
import { sample, stats } from '../../bench/proc.js';

describe('bench helpers', () => {
  it('stats: nearest-rank median, p90, p99 and max', () => {
    const s = stats(Array.from({ length: 100 }, (_, i) => 100 - i));
    expect(s).to.deep.equal({ median: 50, p90: 90, p99: 99, max: 100 });
    expect(stats([7])).to.deep.equal({ median: 7, p90: 7, p99: 7, max: 7 });
  });

  it('sample: this process has CPU time and resident memory; a gone one has none', () => {
    const s = sample(process.pid)!;
    expect(s.rss).to.be.greaterThan(1024 * 1024);
    expect(s.peakRss).to.be.at.least(s.rss);
    expect(s.cpuMs).to.be.greaterThan(0);
    expect(sample(2 ** 22 + 1)).to.equal(undefined);
  });
});
