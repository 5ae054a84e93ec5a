import { allureReporter } from './allure-reporter.js';
import { consoleReporter } from './console-reporter.js';
import { htmlReporter } from './html-report.js';
import { junitReporter } from './junit-reporter.js';
import { progressReporter } from './progress.js';
import type { Reporter, ReporterContext } from './reporter.js';
import { summaryReporter } from './summary-reporter.js';
import { timelineReporter } from './timeline-reporter.js';

/**
 * Every reporter `hil run --reporter NAME` can select, one line each. The order is the order
 * hooks are called in: the HTML build reads what the Allure reporter wrote, and the console
 * table, last, names the files the others wrote.
 */
export const REPORTERS = {
  progress: { make: progressReporter, help: 'progress lines on stderr while a scenario runs' },
  timeline: { make: timelineReporter, help: 'timeline.svg per scenario and board' },
  summary: { make: summaryReporter, help: 'summary.json in the run folder' },
  junit: { make: junitReporter, help: 'junit.xml in the out folder' },
  allure: { make: allureReporter, help: 'Allure results (allure-mocha) in <out>/allure-results' },
  html: { make: htmlReporter, help: 'the HTML report (Allure) at the end; needs allure' },
  console: { make: consoleReporter, help: 'the verdict table on stdout at the end' },
} satisfies Record<string, { make: (ctx: ReporterContext) => Reporter; help: string }>;

export type ReporterName = keyof typeof REPORTERS;

export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

export function isReporterName(name: string): name is ReporterName {
  return Object.hasOwn(REPORTERS, name);
}

/** The named reporters, in the registry's order whatever order they were named in (duplicates once). */
export function makeReporters(names: readonly ReporterName[], ctx: ReporterContext): Reporter[] {
  return REPORTER_NAMES.filter((n) => names.includes(n)).map((n) => REPORTERS[n].make(ctx));
}
