import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { steps } from '../../harness/report/allure-meta.js';
import { timelineModel } from '../../harness/report/timeline-model.js';
import { history, mustDeliver, s, scenario } from './checker-history-builder.js';
import { scenario as scenarioYaml } from './config-helpers.js';

/** hil's resets of a board (`board-reset` ops) are in the verdict's data, its prose and the report. */
describe('board resets in the verdict and the report', () => {
  const sc = scenario({ alarm: mustDeliver() });
  const h = history('b1')
    .push({
      t: -s(3.1),
      kind: 'board-reset',
      board: 'b1',
      why: 'unhealthy',
      method: 'command: uhubctl -l 1-1 -p 2 -a cycle',
      outcome: 'booted',
      ms: 2400,
    })
    .mqtt(0, 'connected')
    .msg('alarm', 'a-1', 5, { at: [5.2] })
    .push({
      t: s(20),
      kind: 'board-reset',
      board: 'b1',
      why: 'reboot',
      method: 'agent',
      outcome: 'refused',
      ms: 15,
      detail: 'cannot do {"op":"reset"}: ImportError("no module named \'machine\'")',
    })
    .build();

  it('are info findings with their own text, and never change the verdict', () => {
    const v = check(h, sc);
    expect(v.verdict).to.equal('pass');
    expect(v.findings.filter((f) => f.kind === 'board-reset').map((f) => f.level)).to.deep.equal([
      'info',
      'info',
    ]);
    expect(v.reasons).to.deep.equal([
      'reset before the scenario (it failed its health check) by command: uhubctl -l 1-1 -p 2 -a cycle: back after 2.40s',
      `reset at 20.00s (reboot) by agent: the agent refused: cannot do {"op":"reset"}: ImportError("no module named 'machine'")`,
    ]);
  });

  it('are Allure steps (broken unless the board came back) and timeline marks from t = 0', () => {
    const spec = scenarioYaml(
      'name: t\nduration: 90s\ndrain: 30s\ntraffic:\n  - { class: alarm, at: [5s] }\npolicies:\n  alarm: must-deliver\n',
    ).value!;
    const names = steps(spec, h).filter((x) => x.name.includes(' by '));
    expect(names.map((x) => [x.name.slice(0, 30), x.status])).to.deep.equal([
      ['reset before the scenario (it ', 'passed'],
      ['reset at 20.00s (reboot) by ag', 'broken'],
    ]);
    const marks = timelineModel(h, check(h, sc), spec).health.filter((m) => m.kind === 'reset');
    expect(marks.map((m) => m.text)).to.deep.equal([
      `hil reset it at 20.00s by agent: refused (cannot do {"op":"reset"}: ImportError("no module named 'machine'"))`,
    ]);
  });
});
