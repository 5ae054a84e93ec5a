import { expect } from 'chai';
import { defaultStartConcurrency, mapLimited } from '../../harness/scenario/bring-up.js';

describe('bring-up: bounded concurrency', () => {
  it('runs at most `limit` at a time, starts the next as one ends, keeps the order of results', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await mapLimited([30, 5, 20, 5, 10, 1, 15], 3, async (ms, i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return i * 10;
    });
    expect(most).to.equal(3);
    expect(results).to.deep.equal([0, 10, 20, 30, 40, 50, 60]);
    expect(started).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
  });

  it('takes a limit above the count, or below 1, and an empty list', async () => {
    expect(await mapLimited([1, 2], 10, async (x) => x + 1)).to.deep.equal([2, 3]);
    expect(await mapLimited([1, 2], 0, async (x) => x + 1)).to.deep.equal([2, 3]);
    expect(await mapLimited([], 4, async (x: number) => x)).to.deep.equal([]);
  });

  it('rejects as Promise.all does', async () => {
    const err = await mapLimited([1, 2, 3], 2, async (x) => {
      if (x === 2) throw new Error('two');
      return x;
    }).catch((e: Error) => e);
    expect((err as Error).message).to.equal('two');
  });

  it('defaults to two per core', () => {
    expect(defaultStartConcurrency()).to.be.greaterThanOrEqual(2);
    expect(defaultStartConcurrency() % 2).to.equal(0);
  });
});
