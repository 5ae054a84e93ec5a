import { policyDeadline } from '../checker/policies/registry.js';
import { faultDefinition } from '../faults/registry.js';
import type { Direction } from '../history/ops.js';
import { modelOptions as mergeModelOptions } from '../sim/model-options.js';
import { selectBoards } from '../spec/select.js';
import type { BoardSpec, FaultSpec, ModelOptionValue, RackSpec, ScenarioSpec } from '../spec/types.js';

/** One stimulus: the runner asks a board to emit (up) or publishes a command to it (down). */
export interface Stimulus {
  t: number;
  board: string;
  cls: string;
  /** `<board>-<class>-<seq>`: unique in the run, never the MQTT packet id. */
  id: string;
  seq: number;
  direction: Direction;
  qos: 0 | 1 | 2;
}

export interface PlannedFault {
  at: number;
  /** Boards it acts on; a rack fault (broker restart) lists every board of the scenario. */
  boards: string[];
  spec: FaultSpec;
  span: number;
  scope: 'board' | 'rack';
}

export interface BoardPlan {
  board: BoardSpec;
  /** Model options for a virtual board: model defaults < boards.yml < the scenario's `models:`. */
  modelOptions?: Record<string, ModelOptionValue>;
  /** Deadlines per class (retry-within's D, drop's max-age), for firmware that drops what has expired. */
  deadlines: Record<string, number>;
}

export interface ScenarioPlan {
  scenario: ScenarioSpec;
  boards: BoardPlan[];
  stimuli: Stimulus[];
  faults: PlannedFault[];
  /** max(duration, last fault end) + drain, from t = 0. */
  end: number;
}

export interface PlanFilter {
  boardIds?: string[];
  tags?: string[];
  /** Matched against "<scenario> <board>", as mocha matches full test titles. */
  grep?: RegExp;
}

/** Which boards run which scenario, with every time resolved. Pure: no clocks, no I/O. */
export function planScenario(rack: RackSpec, scenario: ScenarioSpec, filter: PlanFilter = {}): ScenarioPlan {
  let boards = selectBoards(rack.boards, scenario.boards).filter((b) => b.status !== 'disabled');
  if (filter.boardIds?.length) boards = boards.filter((b) => filter.boardIds?.includes(b.id));
  if (filter.tags?.length) boards = boards.filter((b) => b.tags.some((t) => filter.tags?.includes(t)));
  if (filter.grep) boards = boards.filter((b) => filter.grep?.test(`${scenario.name} ${b.id}`));
  const ids = boards.map((b) => b.id);

  const deadlines = Object.fromEntries(
    Object.entries(scenario.policies).flatMap(([cls, p]) => {
      const d = policyDeadline(p);
      return d === undefined ? [] : [[cls, d]];
    }),
  );
  const boardPlans: BoardPlan[] = boards.map((board) => {
    const v = board.virtual;
    const modelOptions = v ? mergeModelOptions(v.model, v.options, scenario.models[v.model]) : undefined;
    return { board, deadlines, ...(modelOptions && { modelOptions }) };
  });

  const stimuli: Stimulus[] = [];
  for (const board of boards) {
    for (const traffic of scenario.traffic) {
      traffic.times.forEach((t, i) => {
        const seq = i + 1;
        stimuli.push({
          t,
          board: board.id,
          cls: traffic.class,
          id: `${board.id}-${traffic.class}-${seq}`,
          seq,
          direction: traffic.direction,
          qos: traffic.qos,
        });
      });
    }
  }
  stimuli.sort((a, b) => a.t - b.t || a.board.localeCompare(b.board));

  const faults: PlannedFault[] = scenario.faults.map((spec) => {
    const def = faultDefinition(spec.kind);
    const scope = def.scope(spec.params);
    const targets = scope === 'rack' ? ids : selectBoards(boards, spec.boards).map((b) => b.id);
    return { at: spec.at, boards: targets, spec, span: def.span(spec.params), scope };
  });
  const lastFaultEnd = Math.max(0, ...faults.map((f) => f.at + f.span));
  return {
    scenario,
    boards: boardPlans,
    stimuli,
    faults,
    end: Math.max(scenario.duration, lastFaultEnd) + scenario.drain,
  };
}

export function planRun(
  rack: RackSpec,
  scenarios: readonly ScenarioSpec[],
  filter: PlanFilter = {},
): ScenarioPlan[] {
  return scenarios.map((s) => planScenario(rack, s, filter)).filter((p) => p.boards.length > 0);
}
