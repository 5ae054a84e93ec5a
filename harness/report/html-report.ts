import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HilError } from '../spec/errors.js';
import type { Reporter, ReporterContext } from './reporter.js';

export interface HtmlReportOptions {
  /** The report's title (default `hil`). */
  name?: string;
  /** Runs kept in the history file, oldest dropped first (default 100). */
  historyLimit?: number;
  /** The build is stopped after this long (default 5 min). */
  timeoutMs?: number;
}

export interface HtmlReport {
  /** `<out>/allure-report`. */
  reportDir: string;
  /** `<out>/allure-report/index.html`. */
  index: string;
  /** `<out>/allure-history.jsonl`: one line per build, read back for trends. */
  historyPath: string;
  /** False when these results were already in the history (a second build of the same run). */
  appended: boolean;
}

/** The folder names under the out folder, as docs/reports.md lays it out. */
export const REPORT_PATHS = {
  results: 'allure-results',
  report: 'allure-report',
  history: 'allure-history.jsonl',
  /** Which results the last line of the history came from, so a rebuild does not count them twice. */
  historyMark: 'allure-history.last',
} as const;

/** Result files as allure-js and Allure 2/3 write them: `<uuid>-result.json`. */
export async function allureResultFiles(resultsDir: string): Promise<string[]> {
  try {
    return (await readdir(resultsDir)).filter((f) => f.endsWith('-result.json')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** The Allure 3 CLI of the installed `allure` package (never npx: CI may have no network). */
export function allureCli(): string {
  const main = createRequire(import.meta.url).resolve('allure');
  return join(dirname(dirname(main)), 'cli.js');
}

/**
 * Builds `<out>/allure-report` from `<out>/allure-results` with Allure 3's `generate`, keeping
 * the history across runs in `<out>/allure-history.jsonl` so the report shows trends. The new
 * report is built beside the old one and replaces it only once complete.
 */
export async function buildHtmlReport(out: string, o: HtmlReportOptions = {}): Promise<HtmlReport> {
  const root = resolve(out);
  const resultsDir = join(root, REPORT_PATHS.results);
  const files = await allureResultFiles(resultsDir);
  if (files.length === 0) {
    throw new HilError(
      'HIL_E_USAGE',
      `no Allure results in ${resultsDir}: run \`hil run --out ${out}\` first, then \`hil report --out ${out}\``,
    );
  }
  const reportDir = join(root, REPORT_PATHS.report);
  const historyPath = join(root, REPORT_PATHS.history);
  const markPath = join(root, REPORT_PATHS.historyMark);
  const staging = join(root, `.${REPORT_PATHS.report}.building`);
  const fingerprint = createHash('sha256').update(files.join('\n')).digest('hex');
  const seen = (await readFile(markPath, 'utf8').catch(() => '')).trim() === fingerprint;
  const appended = !seen || !existsSync(historyPath);

  const configDir = await mkdtemp(join(tmpdir(), 'hil-allure-'));
  try {
    await rm(staging, { recursive: true, force: true });
    const config = join(configDir, 'allurerc.json');
    await writeFile(
      config,
      JSON.stringify({
        name: o.name ?? 'hil',
        output: staging,
        historyPath,
        historyLimit: o.historyLimit ?? 100,
        appendHistory: appended,
        // The tree reads rack → scenario → board (the labels each test sets), not the file path.
        plugins: {
          awesome: {
            options: {
              reportName: o.name ?? 'hil',
              // One self-contained index.html: it opens from disk (file://), where a browser refuses to fetch data files.
              singleFile: true,
              groupBy: ['parentSuite', 'suite'],
            },
          },
        },
      }),
    );
    const { code, output } = await runNode(
      [allureCli(), 'generate', '--config', config, resultsDir],
      root,
      o.timeoutMs ?? 300_000,
    );
    if (code !== 0 || !existsSync(join(staging, 'index.html'))) {
      const why = code === 0 ? 'it wrote no index.html' : `allure generate exited with ${code}`;
      throw new Error(`the HTML report could not be built: ${why}\n${tail(output)}`);
    }
    await rm(reportDir, { recursive: true, force: true });
    await rename(staging, reportDir);
    if (appended) await writeFile(markPath, `${fingerprint}\n`);
    return { reportDir, index: join(reportDir, 'index.html'), historyPath, appended };
  } finally {
    await rm(configDir, { recursive: true, force: true });
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Builds the HTML report at the end of a run that was not interrupted (from the Allure results,
 * so it comes after the Allure reporter). A failed build is said on stderr and the run goes on.
 */
export function htmlReporter(ctx: ReporterContext): Reporter {
  return {
    async onRunEnd(_run, end) {
      if (end.interrupted) return;
      try {
        end.outputs.html = (await buildHtmlReport(ctx.out)).index;
      } catch (e) {
        ctx.stderr.write(`hil run: the HTML report could not be built: ${(e as Error).message}\n`);
      }
    },
  };
}

function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** Runs `node args` in `cwd`; output captured (the last 64 KiB), killed after `timeoutMs`. */
function runNode(args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((done, fail) => {
    mkdir(cwd, { recursive: true }).then(() => {
      const child = spawn(process.execPath, args, {
        cwd,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const keep = (b: Buffer) => {
        output = (output + b.toString('utf8')).slice(-65_536);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => {
        output += `\nstopped after ${Math.round(timeoutMs / 1000)}s`;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        done({ code: code ?? (signal ? 128 : 1), output });
      });
    }, fail);
  });
}
