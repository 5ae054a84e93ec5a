import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import type { Reporter, RunInfo } from '../../harness/report/reporter.js';
import { makeReporters, REPORTER_NAMES } from '../../harness/report/reporters.js';
import { summaryReporter } from '../../harness/report/summary-reporter.js';
import { exitCode } from '../../harness/run/exit-code.js';
import { ReporterHub } from '../../harness/run/reporter-hub.js';
import { history, retryWithin } from './checker-history-builder.js';
import { boardResult, runOf, scenarioSpec } from './report-fixtures.js';

const spec = scenarioSpec({ button: retryWithin(15_000) });
const passing = (board: string) =>
  boardResult(history(board).msg('button', `${board}-b-1`, 10, { at: [10.05] }), spec);
const failing = (board: string) => boardResult(history(board).msg('button', `${board}-b-1`, 10), spec);

function sink() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => {
    text += b.toString();
  });
  return { stream, text: () => text };
}

describe('run: reporters as hook objects', () => {
  it('calls hooks in order, one at a time, and goes on past a reporter that throws', async () => {
    const seen: string[] = [];
    const slow: Reporter = {
      async onResult(r) {
        seen.push(`slow start ${r.board.id}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push(`slow end ${r.board.id}`);
      },
    };
    const broken: Reporter = {
      onResult() {
        throw new Error('disk full');
      },
    };
    const last: Reporter = {
      onResult(r) {
        seen.push(`last ${r.board.id}`);
      },
      onRunEnd() {
        seen.push('end');
      },
    };
    const err = sink();
    const hub = new ReporterHub([slow, broken, last], err.stream);
    // Not awaited in between: the hub still runs them in order.
    hub.call('onResult', passing('a'));
    hub.call('onResult', passing('b'));
    await hub.call('onRunEnd', runOf([]), { interrupted: false, outputs: {} });
    expect(seen).to.deep.equal([
      'slow start a',
      'slow end a',
      'last a',
      'slow start b',
      'slow end b',
      'last b',
      'end',
    ]);
    expect(err.text()).to.equal('hil run: a reporter failed in onResult: disk full\n'.repeat(2));
  });

  it('makes the named reporters in the registry order, whatever order they are named in', () => {
    const ctx = { stdout: sink().stream, stderr: sink().stream, out: 'reports' };
    expect(makeReporters(['console', 'summary'], ctx)).to.have.length(2);
    expect(makeReporters(REPORTER_NAMES, ctx)).to.have.length(REPORTER_NAMES.length);
    expect(REPORTER_NAMES.at(-1)).to.equal('console');
    expect(REPORTER_NAMES.indexOf('html')).to.be.greaterThan(REPORTER_NAMES.indexOf('allure'));
  });

  it('summary.json is written after every result, the last attempt replacing the first, lateness at the end', async () => {
    const runDir = await mkdtemp(join(tmpdir(), 'hil-summary-'));
    try {
      const r = summaryReporter();
      const info = { runDir, started: '2026-11-22T01:00:00Z' } as RunInfo;
      await r.onRunStart?.(info);
      await r.onResult?.(failing('a'));
      const read = async () => JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
      expect((await read()).results.map((x: { verdict: string }) => x.verdict)).to.deep.equal(['fail']);
      await r.onResult?.(passing('b'));
      await r.onResult?.({ ...passing('a'), attempt: 1 });
      const during = await read();
      expect(
        during.results.map((x: { board: string; verdict: string }) => `${x.board}:${x.verdict}`),
      ).to.deep.equal(['a:pass', 'b:pass']);
      expect(during.lateness).to.equal(undefined);
      const stats = { count: 3, medianMs: 1, p99Ms: 5, maxMs: 5 };
      const end = { interrupted: false, outputs: {} as Record<string, string> };
      await r.onRunEnd?.(
        { ...runOf([passing('a')]), runDir, lateness: { faults: stats, stimuli: stats } },
        end,
      );
      expect((await read()).lateness).to.deep.equal({ faults: stats, stimuli: stats });
      expect(end.outputs.summary).to.equal(join(runDir, 'summary.json'));
    } finally {
      await rm(runDir, { recursive: true, force: true });
    }
  });

  it('exit code: 1 a counted board failed, 3 one could not be judged, quarantined ones never count', () => {
    const quarantined = { ...failing('q'), board: { ...failing('q').board, status: 'quarantined' as const } };
    expect(exitCode({ results: [passing('a'), quarantined] })).to.equal(0);
    expect(exitCode({ results: [passing('a'), failing('b')] })).to.equal(1);
    const error = { ...passing('e'), verdict: { ...passing('e').verdict, verdict: 'error' as const } };
    expect(exitCode({ results: [error] })).to.equal(3);
    expect(exitCode({ results: [error, failing('b')] })).to.equal(1);
  });
});
