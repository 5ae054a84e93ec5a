import { expect } from 'chai';
import { nothingToRun, type RunFilters } from '../../harness/run/nothing-to-run.js';
import { planRun } from '../../harness/scenario/plan.js';
import type { RackSpec, ScenarioSpec } from '../../harness/spec/types.js';
import { boards, scenario } from './config-helpers.js';

const RACK = boards(`boards:
  - { id: sim-a, virtual: { model: robust }, tags: [virtual, robust] }
  - { id: sim-b, virtual: { model: simple }, tags: [virtual] }
  - { id: sim-off, virtual: { model: simple }, tags: [virtual], status: disabled }
`).value as RackSpec;

const scenarioNamed = (name: string, extra = '') =>
  scenario(`name: ${name}
tags: [short, nightly]
duration: 10s
${extra}traffic:
  - { class: t, every: 1s }
policies:
  t: drop
`).value as ScenarioSpec;

const SUITE = [scenarioNamed('wifi-drop'), scenarioNamed('only-a', 'boards: { ids: [sim-a] }\n')];

/** The message, after checking that the filters do leave nothing to plan. */
function why(f: Partial<RunFilters>, rack = RACK, suite = SUITE): string {
  const filters = { board: [], tag: [], ...f };
  expect(
    planRun(rack, suite, { boardIds: [...filters.board], tags: [...filters.tag], grep: filters.grep }),
  ).to.deep.equal([]);
  return nothingToRun(rack, suite, filters);
}

describe('run: nothing to run names the filters that left nothing', () => {
  it('a scenario tag given to --tag: says --tag selects boards, by their boards.yml tags', () => {
    expect(why({ tag: ['nightly'] })).to.equal(
      '--tag nightly: no board a scenario selects has that tag (their tags: robust, virtual); nightly is a scenario tag, and --tag selects boards by their tags in boards.yml: choose scenarios with --scenarios or --grep',
    );
  });

  it('a tag no board has, of several', () => {
    expect(why({ tag: ['picow', 'esp32'] })).to.equal(
      '--tag picow --tag esp32: no board a scenario selects has any of these tags (their tags: robust, virtual)',
    );
  });

  it('a board that is disabled, or that no scenario selects', () => {
    expect(why({ board: ['sim-off'] })).to.equal('--board sim-off: board sim-off is disabled in boards.yml');
    expect(why({ board: ['sim-b'] }, RACK, [SUITE[1]!])).to.equal(
      '--board sim-b: no scenario selects board sim-b',
    );
  });

  it('a --grep that matches no "<scenario> <board>", with one that it could have matched', () => {
    expect(why({ grep: /^broker/ })).to.equal(
      '--grep "^broker" matches no "<scenario> <board>", such as "wifi-drop sim-a"',
    );
  });

  it('filters that each match something but nothing together', () => {
    expect(why({ board: ['sim-b'], tag: ['robust'], grep: /drop/ })).to.equal(
      '--board sim-b, --tag robust and --grep "drop" leave no scenario and board together',
    );
  });

  it('names only the filter that left nothing when others are given too', () => {
    expect(why({ board: ['sim-a'], tag: ['nightly'] })).to.match(
      /^--tag nightly: no board a scenario selects/,
    );
  });

  it('without filters: no scenario selects an enabled board', () => {
    const off = boards(`boards:
  - { id: sim-off, virtual: { model: simple }, status: disabled }
`).value as RackSpec;
    expect(why({}, off, [SUITE[0]!])).to.equal('no scenario selects an enabled board of boards.yml');
  });
});
