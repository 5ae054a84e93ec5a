import { REPORTER_NAMES, type ReporterName } from '../report/reporters.js';

/** Everything `hil run` takes: the CLI's flags and the programmatic API's object are this one shape. */
export interface RunOptions {
  /** Rack file. */
  boards: string;
  /** Scenario files or folders. */
  scenarios: string[];
  /** Only these boards (none: every enabled board). */
  board: string[];
  /** Only boards with one of these tags in boards.yml (a board's `tags`; scenario tags select nothing). */
  tag: string[];
  /** Only "<scenario> <board>" pairs this regular expression matches. */
  grep?: string;
  /** Output folder. */
  out: string;
  /** Stop after the first scenario with a failing board (quarantined boards do not count). */
  bail: boolean;
  /** A failing board's scenario is run again on it alone, up to this many times. */
  retries: number;
  /** Time each board's result may take to be presented once it exists (mocha's test timeout), ms. */
  timeoutMs: number;
  /** Build the HTML report at the end (`--no-report`: false). */
  report: boolean;
  /** The outputs to write, by registry name (report/reporters.ts). */
  reporter: ReporterName[];
}

/** How a flag takes its value. */
export type OptionKind =
  /** `--x <v>`: a string. */
  | 'text'
  /** `--x <v...>`: one or more strings, replacing the default. */
  | 'texts'
  /** `--x <v>`, repeatable: each adds one string. */
  | 'repeated'
  /** `--x` or `--no-x`: a boolean. */
  | 'switch'
  /** `--x <n>`: a whole number ≥ 0. */
  | 'count';

export interface OptionEntry<T> {
  /** As commander takes it: `--boards <file>`. */
  flag: string;
  kind: OptionKind;
  /** The value's name in the README's usage line (`FILE`, `DIR|FILE`); none for a switch. */
  value?: string;
  help: string;
  default: T;
  /** The values a `repeated` option accepts, for the help and the check. */
  choices?: readonly string[];
}

/**
 * The one table of `hil run`'s options: cli/main.ts builds commander's options from it,
 * `resolveRunOptions` fills the programmatic API's defaults from it, and a unit test checks
 * the README's usage of `hil run` against `runUsage()`.
 */
export const RUN_OPTIONS: { [K in keyof RunOptions]-?: OptionEntry<RunOptions[K]> } = {
  boards: { flag: '--boards <file>', kind: 'text', value: 'FILE', help: 'rack file', default: 'boards.yml' },
  scenarios: {
    flag: '--scenarios <paths...>',
    kind: 'texts',
    value: 'DIR|FILE',
    help: 'scenario files or folders',
    default: ['scenarios'],
  },
  board: {
    flag: '--board <id>',
    kind: 'repeated',
    value: 'ID',
    help: 'only this board (repeatable; with --tag, a board must pass both)',
    default: [],
  },
  tag: {
    flag: '--tag <tag>',
    kind: 'repeated',
    value: 'T',
    help: 'only boards tagged so in boards.yml (repeatable: any of them; scenario tags are not matched)',
    default: [],
  },
  grep: {
    flag: '--grep <re>',
    kind: 'text',
    value: 'RE',
    help: 'only tests whose "<scenario> <board>" matches this regular expression, e.g. "^wifi-drop" for scenarios',
    default: undefined,
  },
  out: { flag: '--out <dir>', kind: 'text', value: 'DIR', help: 'output folder', default: 'reports' },
  bail: {
    flag: '--bail',
    kind: 'switch',
    help: 'stop after the first scenario with a failing board',
    default: false,
  },
  retries: {
    flag: '--retries <n>',
    kind: 'count',
    value: 'N',
    help: "run a failing board's scenario again on it alone, up to n times",
    default: 0,
  },
  timeoutMs: {
    flag: '--timeout <ms>',
    kind: 'count',
    value: 'MS',
    help: "time to present each board's result once judged (mocha's test timeout)",
    default: 60_000,
  },
  report: {
    flag: '--no-report',
    kind: 'switch',
    help: 'do not build the HTML report at the end',
    default: true,
  },
  reporter: {
    flag: '--reporter <name>',
    kind: 'repeated',
    value: 'NAME',
    help: 'write only these outputs (repeatable; default: all)',
    default: [...REPORTER_NAMES],
    choices: REPORTER_NAMES,
  },
};

export type RunOptionName = keyof RunOptions;

/** The table's entries in order, with their names. */
export function runOptionEntries(): Array<[RunOptionName, OptionEntry<unknown>]> {
  return Object.entries(RUN_OPTIONS) as Array<[RunOptionName, OptionEntry<unknown>]>;
}

/**
 * The options with every one not given (or given as undefined) taken from the table. An
 * empty `reporter` list means the default (all), as on the command line.
 */
export function resolveRunOptions(given: Partial<RunOptions> = {}): RunOptions {
  const o = { ...defaults() };
  for (const [name, value] of Object.entries(given) as Array<[RunOptionName, unknown]>) {
    if (value !== undefined) (o as Record<string, unknown>)[name] = value;
  }
  if (o.reporter.length === 0) o.reporter = [...RUN_OPTIONS.reporter.default];
  return o;
}

function defaults(): RunOptions {
  const entries = runOptionEntries().map(([name, e]) => [
    name,
    Array.isArray(e.default) ? [...e.default] : e.default,
  ]);
  return Object.fromEntries(entries) as RunOptions;
}

/** The usage of `hil run` as the README writes it: `[--boards FILE] [--scenarios DIR|FILE ...] …`. */
export function runUsage(): string[] {
  return runOptionEntries().map(([, e]) => {
    const long = e.flag.split(' ')[0]!;
    if (!e.value) return `[${long}]`;
    const many = e.kind === 'texts' || e.kind === 'repeated' ? ' ...' : '';
    return `[${long} ${e.value}${many}]`;
  });
}
