import { formatDiagnostic } from '../config/diagnostics.js';
import { loadSuite } from '../config/suite.js';
import { EXIT } from '../spec/errors.js';

export interface ValidateOptions {
  /** Rack file (default boards.yml). */
  boards: string;
  /** Scenario files or folders (default scenarios/). */
  paths: string[];
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

/** `hil validate`: every problem in every file, as file:line:col: message; exit 2 on any. */
export async function validateCommand(opts: ValidateOptions): Promise<number> {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  const suite = await loadSuite(opts.boards, opts.paths);
  for (const d of suite.diagnostics) err.write(`${formatDiagnostic(d)}\n`);
  if (suite.diagnostics.length) {
    const files = new Set(suite.diagnostics.map((d) => d.file)).size;
    err.write(`${suite.diagnostics.length} error(s) in ${files} file(s)\n`);
    return EXIT.badInput;
  }
  const boards = suite.rack?.boards.length ?? 0;
  out.write(
    `ok: ${opts.boards} (${boards} board${boards === 1 ? '' : 's'}), ${suite.scenarios.length} scenario(s)\n`,
  );
  for (const sc of suite.scenarios) out.write(`  ${sc.name}  ${sc.file}\n`);
  return EXIT.ok;
}
