import { expect } from 'chai';
import { planRun, planScenario } from '../../harness/scenario/plan.js';
import { boards, scenario } from './config-helpers.js';

const rack = boards(`boards:
  - { id: sim-a, virtual: { model: robust, reconnect-delay: 1s }, tags: [virtual, x] }
  - { id: sim-b, virtual: { model: resilient }, tags: [virtual] }
  - { id: off, virtual: { model: simple }, status: disabled }
`).value!;

const sc = scenario(`name: p
duration: 30s
drain: 10s
traffic:
  - { class: button, at: [5s, 12s] }
  - { class: command, direction: down, every: 10s, qos: 0 }
faults:
  - { at: 8s, boards: { ids: [sim-a] }, wifi-outage: { for: 30s } }
  - { at: 2s, broker-outage: { for: 1s, mode: restart-clean } }
policies:
  button: { retry-within: 15s }
  command: must-deliver
models:
  robust: { reconnect-delay: 3s }
`).value!;

describe('run plan', () => {
  const plan = planScenario(rack, sc);

  it('selects enabled boards and leaves disabled ones out', () => {
    expect(plan.boards.map((b) => b.board.id)).to.deep.equal(['sim-a', 'sim-b']);
  });

  it('layers model options: model defaults < boards.yml < scenario', () => {
    expect(plan.boards[0]?.modelOptions).to.include({ 'reconnect-delay': '3s', qos: 0 });
    expect(plan.boards[1]?.modelOptions).to.include({ qos: 1, 'clean-session': false });
    expect(plan.boards[0]?.deadlines).to.deep.equal({ button: 15_000 });
  });

  it('gives every stimulus a run-unique id <board>-<class>-<seq>, in time order', () => {
    expect(plan.stimuli.map((s) => `${s.t} ${s.id} ${s.direction}`)).to.deep.equal([
      '5000 sim-a-button-1 up',
      '5000 sim-b-button-1 up',
      '10000 sim-a-command-1 down',
      '10000 sim-b-command-1 down',
      '12000 sim-a-button-2 up',
      '12000 sim-b-button-2 up',
      '20000 sim-a-command-2 down',
      '20000 sim-b-command-2 down',
    ]);
    expect(new Set(plan.stimuli.map((s) => s.id)).size).to.equal(plan.stimuli.length);
    expect(plan.stimuli.find((s) => s.direction === 'down')?.qos).to.equal(0);
  });

  it('aims board faults at their boards and rack faults at all of them', () => {
    expect(plan.faults.map((f) => [f.spec.kind, f.boards, f.scope])).to.deep.equal([
      ['broker-outage', ['sim-a', 'sim-b'], 'rack'],
      ['wifi-outage', ['sim-a'], 'board'],
    ]);
  });

  it('ends at max(duration, last fault end) + drain', () => {
    expect(plan.end).to.equal(38_000 + 10_000);
  });

  it('filters by board id, tag and scenario name', () => {
    expect(planRun(rack, [sc], { tags: ['x'] })[0]?.boards.map((b) => b.board.id)).to.deep.equal(['sim-a']);
    expect(
      planRun(rack, [sc], { boardIds: ['sim-b'] })[0]?.stimuli.every((s) => s.board === 'sim-b'),
    ).to.equal(true);
    expect(planRun(rack, [sc], { grep: /nomatch/ })).to.deep.equal([]);
    expect(planRun(rack, [sc], { grep: /^p sim-b$/ })[0]?.boards.map((b) => b.board.id)).to.deep.equal([
      'sim-b',
    ]);
    expect(planRun(rack, [sc], { boardIds: ['off'] })).to.deep.equal([]);
  });
});
