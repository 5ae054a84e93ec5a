import { consoleTable } from './console-table.js';
import type { Reporter, ReporterContext } from './reporter.js';

/** The verdict table on stdout at the end of the run, pointing at summary.json and the HTML report. */
export function consoleReporter(ctx: ReporterContext): Reporter {
  return {
    onRunEnd(run, end) {
      ctx.stdout.write(
        consoleTable(run, {
          color: ctx.stdout.isTTY === true && !process.env.NO_COLOR,
          summaryPath: end.outputs.summary,
          reportPath: end.outputs.html,
        }),
      );
    },
  };
}
