import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { CommanderError } from 'commander';
import { buildProgram } from '../../harness/cli/main.js';
import { REPORTER_NAMES } from '../../harness/report/reporters.js';
import { RUN_OPTIONS, resolveRunOptions, runOptionEntries, runUsage } from '../../harness/run/options.js';

/** The `hil run` lines of the README's command-line block, up to the next command. */
async function readmeRunUsage(): Promise<string> {
  const readme = await readFile('README.md', 'utf8');
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.startsWith('hil run '));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith(' '));
  return lines.slice(start, end).join('\n');
}

describe('run: the one option table', () => {
  it("is what the README's usage of hil run shows, option for option and in order", async () => {
    const usage = (await readmeRunUsage()).match(/\[[^\]]+\]/g);
    expect(usage).to.deep.equal(runUsage());
  });

  it('names every reporter in the README', async () => {
    const readme = await readFile('README.md', 'utf8');
    const line = readme.match(/`hil run --reporter NAME` \(repeatable\)[^.]*\./s)?.[0] ?? '';
    expect(line.match(/`[a-z]+`/g)?.map((n) => n.slice(1, -1))).to.deep.equal(REPORTER_NAMES);
  });

  it("is what commander builds hil run's options from", () => {
    const run = buildProgram(() => {}, runOptionEntries()).commands.find((c) => c.name() === 'run')!;
    expect(run.options.map((o) => o.flags)).to.deep.equal(runOptionEntries().map(([, e]) => e.flag));
    const timeout = run.options.find((o) => o.long === '--timeout')!;
    expect(timeout.defaultValue).to.equal(RUN_OPTIONS.timeoutMs.default);
  });

  it('says what --board, --tag and --grep select: boards by boards.yml tags, not scenarios by theirs', async () => {
    const run = buildProgram(() => {}, runOptionEntries()).commands.find((c) => c.name() === 'run')!;
    const help = (flag: string) => run.options.find((o) => o.long === flag)?.description;
    expect(help('--board')).to.equal('only this board (repeatable; with --tag, a board must pass both)');
    expect(help('--tag')).to.equal(
      'only boards tagged so in boards.yml (repeatable: any of them; scenario tags are not matched)',
    );
    expect(help('--grep')).to.equal(
      'only tests whose "<scenario> <board>" matches this regular expression, e.g. "^wifi-drop" for scenarios',
    );
    const readme = (await readFile('README.md', 'utf8')).replace(/\s+/g, ' ');
    expect(readme).to.include(
      "`--board ID` and `--tag T` select **boards** — `--tag` by the `tags` a board has in boards.yml (repeated: a board with any of them); a scenario's own `tags` (`short`, `nightly`) are labels in the reports and select nothing.",
    );
  });

  it('fills what the programmatic API was not given from the table', () => {
    expect(resolveRunOptions()).to.deep.equal({
      boards: 'boards.yml',
      scenarios: ['scenarios'],
      board: [],
      tag: [],
      grep: undefined,
      out: 'reports',
      bail: false,
      retries: 0,
      timeoutMs: 60_000,
      report: true,
      reporter: REPORTER_NAMES,
    });
    const o = resolveRunOptions({ retries: 2, bail: undefined, reporter: [], board: ['b1'] });
    expect(o).to.include({ retries: 2, bail: false });
    expect(o.board).to.deep.equal(['b1']);
    expect(o.reporter).to.deep.equal(REPORTER_NAMES);
    // Defaults are copies: changing one run's lists leaves the table alone.
    o.reporter.pop();
    expect(RUN_OPTIONS.reporter.default).to.deep.equal(REPORTER_NAMES);
  });

  it('rejects a count that is not a whole number before anything runs', async () => {
    const program = buildProgram(() => {});
    let said = '';
    // Subcommands copy the output settings when made: set run's own.
    program.commands.find((c) => c.name() === 'run')?.configureOutput({ writeErr: (s) => (said += s) });
    let caught: unknown;
    await program.parseAsync(['node', 'hil', 'run', '--retries', '1.5']).catch((e) => {
      caught = e;
    });
    // Said as commander's own usage errors are (exit 2 through main), never as an internal code.
    expect(caught).to.be.instanceOf(CommanderError);
    expect((caught as CommanderError).exitCode).to.not.equal(0);
    expect(said).to.include(
      "option '--retries <n>' argument '1.5' is invalid. --retries takes a whole number.",
    );
    expect(said).to.not.include('HIL_E_');
  });
});
