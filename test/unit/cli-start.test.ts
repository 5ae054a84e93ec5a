import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { distStale } from '../../bin/dist-state.js';
import { main, packageVersion } from '../../harness/cli/main.js';
import { boardEntry } from '../../harness/sim/launcher.js';
import { importGraph, reachable } from './import-graph.js';

describe('start-up: hil loads only what the subcommand needs', () => {
  const graph = importGraph();

  it('cli/main.ts loads commander and spec/ only; each subcommand and the run options load when called', () => {
    const loaded = [...reachable(graph, 'harness/cli/main.ts').keys()];
    expect(loaded.filter((m) => m !== 'harness/cli/main.ts' && !m.startsWith('harness/spec/'))).to.deep.equal(
      [],
    );
    expect(
      loaded.flatMap((m) => graph.get(m)?.packages ?? []).filter((p) => !p.startsWith('node:')),
    ).to.deep.equal(['commander']);
    expect(graph.get('harness/cli/main.ts')?.lazy).to.include.members([
      'harness/cli/validate-command.ts',
      'harness/cli/boards-command.ts',
      'harness/cli/run-command.ts',
      'harness/cli/report-command.ts',
      'harness/cli/deploy-command.ts',
      'harness/run/options.ts',
    ]);
  });
});

describe('start-up: dist/ runs only when it is current', () => {
  let root: string;
  const at = (file: string, s: number) => utimesSync(join(root, file), s, s);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hil-dist-'));
    mkdirSync(join(root, 'harness/cli'), { recursive: true });
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'harness/cli/main.ts'), '');
    writeFileSync(join(root, 'dist/.built'), '');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const url = () => pathToFileURL(`${root}/`);

  it('is current when built after the newest source, stale when a source (at any depth) is newer', () => {
    at('harness/cli/main.ts', 1000);
    at('dist/.built', 2000);
    expect(distStale(url())).to.equal(undefined);
    at('harness/cli/main.ts', 3000);
    expect(distStale(url())).to.match(/sources changed since the build/);
  });

  it('is stale without a build, current without sources (an installed package), never with HIL_SOURCE=1', () => {
    rmSync(join(root, 'dist/.built'));
    expect(distStale(url())).to.match(/no build/);
    writeFileSync(join(root, 'dist/.built'), '');
    rmSync(join(root, 'harness'), { recursive: true });
    expect(distStale(url())).to.equal(undefined);
    process.env.HIL_SOURCE = '1';
    try {
      expect(distStale(url())).to.equal('HIL_SOURCE=1');
    } finally {
      delete process.env.HIL_SOURCE;
    }
  });

  it('bin/hil.js falls back to tsx, saying so on stderr only under HIL_DEBUG', function () {
    this.timeout(20_000);
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['bin/hil.js', '--help'], {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
    const quiet = run({ HIL_SOURCE: '1' });
    expect(quiet.status).to.equal(0);
    expect(quiet.stdout).to.match(/^Usage: hil/);
    expect(quiet.stderr).to.equal('');
    const debug = run({ HIL_SOURCE: '1', HIL_DEBUG: '1' });
    expect(debug.stdout).to.equal(quiet.stdout);
    expect(debug.stderr).to.equal('hil: running the TypeScript sources through tsx: HIL_SOURCE=1\n');
  });

  it('the launcher starts a board from an existing entry file', async () => {
    const entry = await boardEntry();
    expect(entry.command).to.equal(process.execPath);
    expect(entry.args.at(-1)).to.match(/board-host\.(js|ts)$/);
  });
});

describe('hil --version', () => {
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

  /** Runs main() in this process, catching what it writes on stdout. */
  async function run(...args: string[]): Promise<{ code: number; out: string }> {
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      return { code: await main(['node', 'hil', ...args]), out };
    } finally {
      process.stdout.write = write;
    }
  }

  it("--version and -V print package.json's version alone and exit 0", async () => {
    expect(version).to.match(/^\d+\.\d+\.\d+/);
    expect(await run('--version')).to.deep.equal({ code: 0, out: `${version}\n` });
    expect(await run('-V')).to.deep.equal({ code: 0, out: `${version}\n` });
  });

  it('finds the package.json above a built dist/ as above the sources, and says when there is none', () => {
    const root = mkdtempSync(join(tmpdir(), 'hil-version-'));
    try {
      mkdirSync(join(root, 'dist/harness/cli'), { recursive: true });
      writeFileSync(join(root, 'package.json'), '{ "name": "hil", "version": "9.8.7" }');
      expect(packageVersion(pathToFileURL(join(root, 'dist/harness/cli/')))).to.equal('9.8.7');
      rmSync(join(root, 'package.json'));
      writeFileSync(join(root, 'dist/package.json'), '{ "type": "module" }');
      // A package.json without a version (dist/'s own, say) is passed over.
      expect(() => packageVersion(pathToFileURL(join(root, 'dist/harness/cli/')))).to.throw(
        /no package.json with a version above/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('bin/hil.js --version prints it, and --help lists the option', function () {
    this.timeout(20_000);
    const out = spawnSync(process.execPath, ['bin/hil.js', '--version'], {
      env: { ...process.env, HIL_SOURCE: '1' },
      encoding: 'utf8',
    });
    expect([out.status, out.stdout, out.stderr]).to.deep.equal([0, `${version}\n`, '']);
    const help = spawnSync(process.execPath, ['bin/hil.js', '--help'], {
      env: { ...process.env, HIL_SOURCE: '1' },
      encoding: 'utf8',
    });
    expect(help.stdout).to.include("-V, --version                  print hil's version and exit");
  });
});
