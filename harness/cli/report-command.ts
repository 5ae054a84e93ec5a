import { join } from 'node:path';
import { allureResultFiles, buildHtmlReport, REPORT_PATHS } from '../report/html-report.js';
import { EXIT } from '../spec/errors.js';

export interface ReportOptions {
  /** The out folder of `hil run` (default reports/). */
  out: string;
  out$?: NodeJS.WritableStream;
  err$?: NodeJS.WritableStream;
}

/**
 * `hil report`: builds `<out>/allure-report` from `<out>/allure-results`, history kept across
 * runs. Exit 0 built, 2 there are no results yet, 3 the build failed.
 */
export async function reportCommand(opts: ReportOptions): Promise<number> {
  const out = opts.out$ ?? process.stdout;
  const err = opts.err$ ?? process.stderr;
  const results = join(opts.out, REPORT_PATHS.results);
  if ((await allureResultFiles(results)).length === 0) {
    err.write(
      `hil report: no Allure results in ${results}: run \`hil run --out ${opts.out}\` first (it writes them)\n`,
    );
    return EXIT.badInput;
  }
  try {
    const built = await buildHtmlReport(opts.out);
    const history = built.appended ? 'history updated' : 'these results were already in the history';
    out.write(`HTML report: ${built.index}\n(${history}: ${built.historyPath})\n`);
    return EXIT.ok;
  } catch (e) {
    err.write(`hil report: ${(e as Error).message}\n`);
    return EXIT.rackFailed;
  }
}
