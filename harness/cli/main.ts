import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, InvalidArgumentError, Option } from 'commander';
import type { OptionEntry, RunOptionName, RunOptions } from '../run/options.js';
import { EXIT, HilError } from '../spec/errors.js';

/** `hil run`'s option table, as `runOptionEntries()` gives it. */
export type RunOptionEntries = Array<[RunOptionName, OptionEntry<unknown>]>;

/**
 * Builds the `hil` command line; each subcommand is a small module calling the library, loaded
 * only when that subcommand runs (so `hil --help` loads neither aedes nor mocha nor allure).
 * `runOptions`: hil run's option table, added now; without it the table (which loads the
 * reporters) is loaded once `run` is called, `hil help run` included.
 */
export function buildProgram(setExit: (code: number) => void, runOptions?: RunOptionEntries): Command {
  const program = new Command('hil')
    .description('Hardware-in-the-loop resilience tests for MQTT boards')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    // The list of commands says `run [options]` before run's options are loaded.
    .configureHelp({
      subcommandTerm: (cmd) => (cmd.name() === 'run' ? 'run [options]' : new Help().subcommandTerm(cmd)),
    });

  // Not commander's .version(): that needs the text up front, and package.json is read only when asked.
  program.option('-V, --version', "print hil's version and exit").on('option:version', () => {
    const version = packageVersion();
    process.stdout.write(`${version}\n`);
    throw new CommanderError(0, 'hil.version', version);
  });

  program
    .command('validate')
    .description('check boards.yml and scenarios; errors as file:line:col: message')
    .option('--boards <file>', 'rack file', 'boards.yml')
    .argument('[paths...]', 'scenario files or folders', ['scenarios'])
    .action(async (paths: string[], o: { boards: string }) => {
      const { validateCommand } = await import('./validate-command.js');
      setExit(await validateCommand({ boards: o.boards, paths }));
    });

  program
    .command('boards')
    .description('list the rack; --probe says hello to each board; --scan lists USB serial devices')
    .option('--boards <file>', 'rack file', 'boards.yml')
    .option('--probe', 'say hello to each board and show its answer')
    .option('--scan', 'list USB serial devices as boards.yml entries to paste')
    .action(async (o: { boards: string; probe?: boolean; scan?: boolean }) => {
      const { boardsCommand } = await import('./boards-command.js');
      setExit(await boardsCommand({ boards: o.boards, probe: o.probe === true, scan: o.scan === true }));
    });

  const run = program.command('run').description('run scenarios on the rack and write reports');
  const keys = new Map<string, RunOptionName>();
  const addRunOptions = (entries: RunOptionEntries) => {
    for (const [name, entry] of entries) {
      const option = commanderOption(entry);
      keys.set(option.attributeName(), name);
      run.addOption(option);
    }
  };
  if (runOptions) addRunOptions(runOptions);
  else
    program.hook('preSubcommand', async (_program, sub) => {
      if (sub === run && keys.size === 0)
        addRunOptions((await import('../run/options.js')).runOptionEntries());
    });
  run.action(async (o: Record<string, unknown>) => {
    const options = Object.fromEntries([...keys].map(([attr, name]) => [name, o[attr]]));
    const { runCommand } = await import('./run-command.js');
    setExit(await runCommand(options as Partial<RunOptions>));
  });

  program
    .command('report')
    .description('build the HTML report from the Allure results (history kept across runs)')
    .option('--out <dir>', 'output folder of hil run', 'reports')
    .action(async (o: { out: string }) => {
      const { reportCommand } = await import('./report-command.js');
      setExit(await reportCommand({ out: o.out }));
    });

  program
    .command('deploy')
    .description('copy files to a MicroPython board over the raw REPL, then soft-reset it')
    .requiredOption('--board <id>', 'the board, as boards.yml names it')
    .option('--boards <file>', 'rack file', 'boards.yml')
    .argument('<files...>', 'FILE or FILE:REMOTE_NAME')
    .action(async (files: string[], o: { board: string; boards: string }) => {
      const { deployCommand } = await import('./deploy-command.js');
      setExit(await deployCommand({ boards: o.boards, board: o.board, files }));
    });

  return program;
}

/**
 * hil's version, from the package.json nearest above this module: `harness/cli/` in a clone,
 * `dist/harness/cli/` once built or installed. Throws an Error when there is none (a broken install).
 */
export function packageVersion(from: URL = new URL('.', import.meta.url)): string {
  for (let dir = from; ; dir = new URL('..', dir)) {
    let text: string | undefined;
    try {
      text = readFileSync(new URL('package.json', dir), 'utf8');
    } catch {
      // none here: look further up
    }
    if (text !== undefined) {
      const { version } = JSON.parse(text) as { version?: unknown };
      if (typeof version === 'string') return version;
    }
    if (new URL('..', dir).href === dir.href)
      throw new Error(`no package.json with a version above ${from.pathname}`);
  }
}

/** A commander option from the run's option table (repeatable ones collect; counts are checked). */
function commanderOption(e: OptionEntry<unknown>): Option {
  const option = new Option(e.flag, e.choices ? `${e.help}: ${e.choices.join(', ')}` : e.help);
  switch (e.kind) {
    case 'repeated':
      // No commander default: it would be collected into. An absent list takes the table's.
      return option.argParser((value: string, previous: string[] = []) => [...previous, value]);
    case 'count':
      return option.argParser(wholeNumber(e.flag.split(' ')[0]!)).default(e.default);
    case 'switch':
      // Absent means the table's default (commander makes `--no-x` default to true itself).
      return option;
    default:
      return e.default === undefined ? option : option.default(e.default);
  }
}

function wholeNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    // Commander says it as its own usage errors: `error: option '--retries <n>' argument 'x' is invalid. …`
    if (!Number.isInteger(n) || n < 0 || value.trim() === '')
      throw new InvalidArgumentError(
        `${flag} takes a whole number${flag === '--timeout' ? ' of milliseconds' : ''}.`,
      );
    return n;
  };
}

/** Runs the CLI and returns the exit code (README: 0 pass, 1 check failed, 2 bad input, 3 rack failed). */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  // `hil help run` prints run's help without calling run: its options are loaded here.
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const runOptions =
    words[0] === 'help' && words[1] === 'run'
      ? (await import('../run/options.js')).runOptionEntries()
      : undefined;
  const program = buildProgram((c) => {
    code = c;
  }, runOptions);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (err instanceof HilError) {
      process.stderr.write(`hil: ${err.code}: ${err.message}\n`);
      return err.code === 'HIL_E_CONFIG' || err.code === 'HIL_E_USAGE' ? EXIT.badInput : EXIT.rackFailed;
    }
    throw err;
  }
  return code;
}
