import { Command, CommanderError } from 'commander';
import { EXIT, HilError } from '../errors.js';
import { boardsCommand } from './boards-command.js';
import { validateCommand } from './validate-command.js';

/** Builds the `hil` command line; each subcommand is a small module calling the library. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('hil')
    .description('Hardware-in-the-loop resilience tests for MQTT boards')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('validate')
    .description('check boards.yml and scenarios; errors as file:line:col: message')
    .option('--boards <file>', 'rack file', 'boards.yml')
    .argument('[paths...]', 'scenario files or folders', ['scenarios'])
    .action(async (paths: string[], o: { boards: string }) => {
      setExit(await validateCommand({ boards: o.boards, paths }));
    });

  program
    .command('boards')
    .description('list the rack; --probe says hello to each board; --scan lists USB serial devices')
    .option('--boards <file>', 'rack file', 'boards.yml')
    .option('--probe', 'say hello to each board and show its answer')
    .option('--scan', 'list USB serial devices as boards.yml entries to paste')
    .action(async (o: { boards: string; probe?: boolean; scan?: boolean }) => {
      setExit(await boardsCommand({ boards: o.boards, probe: o.probe === true, scan: o.scan === true }));
    });

  return program;
}

/** Runs the CLI and returns the exit code (DESIGN.md: 0 pass, 1 check failed, 2 bad input, 3 rack failed). */
export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
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
