import { expect } from 'chai';
import { consoleTable } from '../../harness/report/console-table.js';
import { junitXml } from '../../harness/report/junit-xml.js';
import { summaryJson } from '../../harness/report/summary-json.js';
import { timelineSvg } from '../../harness/report/timeline-svg.js';
import { history, retryWithin } from './checker-history-builder.js';
import { boardResult, runOf, scenarioSpec } from './report-fixtures.js';

describe('reports: a fault that never acted', () => {
  // reset_peer on an idle connection (sim-robust, no keepalive): it never fires.
  const spec = scenarioSpec({ button: retryWithin(5000) }, { duration: 20_000, drain: 5000 });
  const h = history('sim-robust')
    .mqtt(0.1, 'connected')
    .fault(5, 15, 'reset', false)
    .confirm(15, 'reset', false, 'not seen to fire within 10000 ms (no bytes through the proxy?)')
    .msg('button', 'b-1', 2, { at: [2.05] });
  const result = boardResult(h, spec, { board: 'sim-robust' });
  const run = runOf([result]);
  const line =
    'reset at 5.00s was not seen to act (not seen to fire within 10000 ms (no bytes through the proxy?)): the test was not carried out';

  it('the board is not a plain pass', () => {
    expect(result.verdict.verdict).to.equal('error');
  });

  it('console, summary.json and junit say the fault never acted', () => {
    expect(consoleTable(run, { color: false, summaryPath: 's.json', reportPath: 'index.html' })).to.contain(
      line,
    );
    const summary = summaryJson(run);
    expect(JSON.stringify(summary)).to.contain(line);
    expect(summary.verdict).to.equal('error');
    expect(junitXml(run)).to.contain('was not seen to act');
  });

  it('the timeline draws it as never acted', () => {
    const svg = timelineSvg(result.history, result.verdict, spec);
    expect(svg).to.contain('reset never acted').and.contain('data-unseen="true"');
  });
});
