import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FLUSH_EVERY_MS } from '../../harness/scenario/line-log.js';
import { HistoryRecorder } from '../../harness/scenario/recorder.js';
import { latenessStats, percentile } from '../../harness/scenario/stats.js';
import { runTimeline } from '../../harness/scenario/timeline.js';

describe('timeline', () => {
  it('fires events in time order, never before their time, and records lateness', async () => {
    const fired: string[] = [];
    const t0 = performance.now();
    const at: Record<string, number> = {};
    const r = await runTimeline(
      ['c', 'a', 'b'].map((label, i) => ({
        t: [30, 0, 15][i] as number,
        label,
        fire: () => {
          fired.push(label);
          at[label] = performance.now() - t0;
        },
      })),
      t0,
    );
    expect(fired).to.deep.equal(['a', 'b', 'c']);
    expect(at.b).to.be.at.least(15);
    expect(at.c).to.be.at.least(30);
    expect(r.lateness.map((l) => l.label)).to.deep.equal(['a', 'b', 'c']);
    for (const l of r.lateness) expect(l.lateMs).to.be.at.least(0);
  });

  it('does not let a slow event delay the next one, and keeps errors', async () => {
    let release!: () => void;
    const slow = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const done = runTimeline(
      [
        { t: 0, label: 'slow', fire: () => slow.then(() => void order.push('slow done')) },
        { t: 5, label: 'next', fire: () => void order.push('next') },
        {
          t: 6,
          label: 'bad',
          fire: () => {
            order.push('bad');
            release();
            throw new Error('boom');
          },
        },
      ],
      performance.now(),
    );
    const r = await done;
    expect(order).to.deep.equal(['next', 'bad', 'slow done']);
    expect(r.errors.map((e) => [e.label, (e.error as Error).message])).to.deep.equal([['bad', 'boom']]);
  });

  it('stops firing when aborted', async () => {
    const ac = new AbortController();
    const fired: string[] = [];
    const r = await runTimeline(
      [
        {
          t: 0,
          label: 'first',
          fire: () => {
            fired.push('first');
            ac.abort();
          },
        },
        { t: 60_000, label: 'never', fire: () => void fired.push('never') },
      ],
      performance.now(),
      ac.signal,
    );
    expect(fired).to.deep.equal(['first']);
    expect(r.lateness).to.have.length(1);
  });
});

describe('lateness statistics', () => {
  it('uses nearest-rank percentiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).to.equal(50);
    expect(percentile(xs, 99)).to.equal(99);
    expect(percentile([], 99)).to.equal(0);
    expect(latenessStats([3, 1, 2])).to.deep.equal({ count: 3, medianMs: 2, p99Ms: 3, maxMs: 3 });
  });
});

describe('history recorder', () => {
  it('appends each op as a JSON line as it comes and writes history.json relative to t0 at the end', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-rec-'));
    try {
      const rec = new HistoryRecorder('b1', join(dir, 'history.jsonl'));
      rec.record({ t: 900, kind: 'serial', line: 'MicroPython v1.22' });
      rec.setT0(1000);
      rec.record({ t: 1500, kind: 'emit', cls: 'button', id: 'b1-button-1', direction: 'up' });
      rec.record({ t: 1200, kind: 'serial', line: 'hello' });
      // Written within FLUSH_EVERY_MS, before finish: a crash now keeps every line and t0
      // (test/integration/logs-survive-crash.test.ts makes those crashes).
      await new Promise((r) => setTimeout(r, FLUSH_EVERY_MS + 50));
      const lines = (await readFile(join(dir, 'history.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.t0 ?? `${l.t} ${l.kind} ${l.board}`)).to.deep.equal([
        '900 serial b1',
        1000,
        '1500 emit b1',
        '1200 serial b1',
      ]);
      const h = await rec.finish(
        { scenario: 's', board: 'b1', firmware: 'f', startedAt: 'x', duration: 1, drain: 1, end: 2 },
        join(dir, 'history.json'),
      );
      expect(h.ops.map((o) => o.t)).to.deep.equal([-100, 200, 500]);
      expect(JSON.parse(await readFile(join(dir, 'history.json'), 'utf8')).ops).to.have.length(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
