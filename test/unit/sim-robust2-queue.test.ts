import { expect } from 'chai';
import { Robust2Queue } from '../../harness/sim/models/robust2-queue.js';

describe('sim robust2 queue (umqtt.robust2 2.2.0 bookkeeping)', () => {
  it('evicts the oldest unsent message when a sixth publish fails', () => {
    const q = new Robust2Queue<string>(5, 10_000);
    const evicted = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].flatMap((m) => q.failed(m));
    expect(evicted).to.deep.equal(['m1']);
    expect(q.toSend).to.deep.equal(['m2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('counts unacknowledged messages and evicts them first, lowest pid first', () => {
    const q = new Robust2Queue<string>(5, 10_000);
    q.sent('a', 7, 0);
    q.sent('b', 8, 0);
    for (const m of ['c', 'd', 'e']) q.failed(m);
    expect(q.failed('f')).to.deep.equal(['a']);
    expect(q.failed('g')).to.deep.equal(['b']);
    expect(q.failed('h')).to.deep.equal(['c']);
    expect(q.toSend).to.deep.equal(['d', 'e', 'f', 'g', 'h']);
    expect([...q.toConfirm.keys()]).to.deep.equal([]);
  });

  it('puts messages without PUBACK back at the front after resend-after, newest first', () => {
    const q = new Robust2Queue<string>(5, 10_000);
    q.sent('a', 1, 0);
    q.sent('b', 2, 100);
    q.failed('c');
    q.expire(9_999);
    expect(q.toSend).to.deep.equal(['c']);
    q.expire(10_100);
    expect(q.toSend).to.deep.equal(['b', 'a', 'c']);
    expect(q.toConfirm.size).to.equal(0);
  });

  it('forgets a message once any of its copies is acknowledged', () => {
    const q = new Robust2Queue<string>(5, 10_000);
    q.sent('a', 1, 0);
    q.expire(10_000);
    q.taken('a');
    q.sent('a', 2, 10_000);
    q.acked(2);
    q.expire(50_000);
    expect(q.toSend).to.deep.equal([]);
    expect(q.toConfirm.size).to.equal(0);
  });

  it('does not queue the same message twice (NO_QUEUE_DUPS) and empties on a clean session', () => {
    const q = new Robust2Queue<string>(5, 10_000);
    q.failed('a');
    q.failed('a');
    expect(q.toSend).to.deep.equal(['a']);
    q.sent('b', 1, 0);
    q.clear();
    q.expire(Number.POSITIVE_INFINITY);
    expect(q.toSend).to.deep.equal([]);
    expect(q.toConfirm.size).to.equal(0);
  });
});
