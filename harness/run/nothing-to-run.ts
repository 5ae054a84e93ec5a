import { selectBoards } from '../spec/select.js';
import type { BoardSpec, RackSpec, ScenarioSpec } from '../spec/types.js';

/** `hil run`'s filters as given: `--board` ids, `--tag` board tags, `--grep` over "<scenario> <board>". */
export interface RunFilters {
  board: readonly string[];
  tag: readonly string[];
  grep?: RegExp;
}

interface Pair {
  scenario: ScenarioSpec;
  board: BoardSpec;
}

/**
 * Why no scenario is left to run on any board, naming the filters that left nothing: each one
 * that alone matches nothing, with what it could have matched, or else the filters together.
 * `--tag` matches the boards' tags in boards.yml; when a tag given is a scenario's tag instead,
 * it says so. One line, without the `hil run: nothing to run:` head. Pure.
 */
export function nothingToRun(rack: RackSpec, scenarios: readonly ScenarioSpec[], f: RunFilters): string {
  const pairs: Pair[] = scenarios.flatMap((scenario) =>
    selectBoards(rack.boards, scenario.boards)
      .filter((b) => b.status !== 'disabled')
      .map((board) => ({ scenario, board })),
  );
  if (pairs.length === 0) return `no scenario selects an enabled board of ${rack.file}`;

  const byBoard = (p: Pair) => f.board.length === 0 || f.board.includes(p.board.id);
  const byTag = (p: Pair) => f.tag.length === 0 || p.board.tags.some((t) => f.tag.includes(t));
  const byGrep = (p: Pair) => f.grep === undefined || f.grep.test(`${p.scenario.name} ${p.board.id}`);
  const given: string[] = [];
  const alone: string[] = [];

  if (f.board.length > 0) {
    given.push(flags('--board', f.board));
    if (!pairs.some(byBoard)) {
      const why = f.board.map((id) =>
        rack.boards.find((b) => b.id === id)?.status === 'disabled'
          ? `board ${id} is disabled in ${rack.file}`
          : `no scenario selects board ${id}`,
      );
      alone.push(`${flags('--board', f.board)}: ${why.join(', ')}`);
    }
  }
  if (f.tag.length > 0) {
    given.push(flags('--tag', f.tag));
    if (!pairs.some(byTag)) {
      const boardTags = unique(pairs.flatMap((p) => p.board.tags));
      const scenarioTags = f.tag.filter((t) => scenarios.some((s) => s.tags.includes(t)));
      const has = boardTags.length ? `their tags: ${boardTags.join(', ')}` : 'they have no tags';
      const mixUp = scenarioTags.length
        ? `; ${scenarioTags.join(', ')} ${scenarioTags.length === 1 ? 'is a scenario tag' : 'are scenario tags'}, and --tag selects boards by their tags in ${rack.file}: choose scenarios with --scenarios or --grep`
        : '';
      const that = f.tag.length === 1 ? 'that tag' : 'any of these tags';
      alone.push(`${flags('--tag', f.tag)}: no board a scenario selects has ${that} (${has})${mixUp}`);
    }
  }
  if (f.grep !== undefined) {
    given.push(`--grep ${JSON.stringify(f.grep.source)}`);
    if (!pairs.some(byGrep)) {
      const p = pairs[0] as Pair;
      alone.push(
        `--grep ${JSON.stringify(f.grep.source)} matches no "<scenario> <board>", such as "${p.scenario.name} ${p.board.id}"`,
      );
    }
  }
  if (alone.length > 0) return alone.join('; ');
  return `${listed(given)} leave no scenario and board together`;
}

function flags(flag: string, values: readonly string[]): string {
  return values.map((v) => `${flag} ${v}`).join(' ');
}

function listed(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)].sort();
}
