import { stat } from 'node:fs/promises';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadBoards } from '../config/load-boards.js';
import { type DeployOptions, deploy, fileSpec } from '../deploy/deploy.js';
import { EXIT, HilError } from '../spec/errors.js';
import { openBoard, transportOf } from '../transports/open.js';

export interface DeployCommandOptions {
  /** Rack file (default boards.yml). */
  boards: string;
  /** Board id in the rack file. */
  board: string;
  /** `FILE` or `FILE:REMOTE` (REMOTE defaults to the file's name; `app.py:main.py` makes it the app). */
  files: string[];
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  /** Passed on to deploy() (timeouts, raw-paste). */
  deploy?: Omit<DeployOptions, 'board' | 'log'>;
}

/** `hil deploy --board ID FILE ...`: exit 0 deployed, 2 bad input, 3 the board or its port failed. */
export async function deployCommand(opts: DeployCommandOptions): Promise<number> {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? process.stderr;
  const fail = (code: number, msg: string) => {
    err.write(`hil deploy: ${msg}\n`);
    return code;
  };

  const { value: rack, diagnostics } = await loadBoards(opts.boards);
  if (!rack) {
    for (const d of diagnostics) err.write(`${formatDiagnostic(d)}\n`);
    return EXIT.badInput;
  }
  const board = rack.boards.find((b) => b.id === opts.board);
  if (!board)
    return fail(
      EXIT.badInput,
      `no board "${opts.board}" in ${opts.boards} (boards: ${rack.boards.map((b) => b.id).join(', ') || 'none'})`,
    );
  const transport = transportOf(board);
  if (!transport.rawRepl)
    return fail(
      EXIT.badInput,
      `board "${board.id}" is ${transport.label}: it runs no MicroPython to deploy to`,
    );
  if (!opts.files.length) return fail(EXIT.badInput, 'give at least one FILE (FILE or FILE:REMOTE)');
  const files = opts.files.map(fileSpec);
  for (const f of files) {
    const s = await stat(f.local).catch(() => undefined);
    if (!s?.isFile()) return fail(EXIT.badInput, `${f.local}: no such file`);
  }

  try {
    const opened = await openBoard(board);
    let r: Awaited<ReturnType<typeof deploy>>;
    try {
      out.write(`deploying to ${board.id} at ${opened.path}\n`);
      r = await deploy(opened, files, {
        ...opts.deploy,
        board: board.id,
        log: (line) => out.write(`  ${line}\n`),
      });
    } finally {
      await opened.stop();
    }
    const bytes = r.files.reduce((n, f) => n + f.bytes, 0);
    out.write(
      `deployed ${r.files.length} file(s), ${bytes} bytes, in ${(r.ms / 1000).toFixed(1)} s (${r.rawPaste ? 'raw-paste' : 'plain raw mode'})\n`,
    );
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof HilError)) throw e;
    return fail(e.code === 'HIL_E_USAGE' ? EXIT.badInput : EXIT.rackFailed, `${e.code}: ${e.message}`);
  }
}
