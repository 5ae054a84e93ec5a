import type { ScenarioProgress } from '../spec/progress.js';
import type { Reporter, ReporterContext, TextOut } from './reporter.js';

/** Progress lines on stderr while each scenario runs (see `progressPrinter`). */
export function progressReporter(ctx: ReporterContext): Reporter {
  return { onProgress: progressPrinter(ctx.stderr) };
}

/**
 * Progress while a scenario runs: on a terminal one line rewritten in place; in CI (or
 * when not a TTY) a plain line at every phase change and every `everyMs`.
 */
export function progressPrinter(
  stream: TextOut = process.stderr,
  opts: { live?: boolean; everyMs?: number } = {},
) {
  const live = opts.live ?? (stream.isTTY === true && !process.env.CI);
  const everyMs = opts.everyMs ?? 10_000;
  let lastPhase = '';
  let lastPrinted = -Infinity;
  return (p: ScenarioProgress): void => {
    const line = progressLine(p);
    if (live) {
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
      if (p.phase === 'done') stream.write('\n');
      return;
    }
    if (p.phase !== lastPhase || p.elapsedMs - lastPrinted >= everyMs) {
      stream.write(`${line}\n`);
      lastPhase = p.phase;
      lastPrinted = p.elapsedMs;
    }
  };
}

export function progressLine(p: ScenarioProgress): string {
  const secs = (ms: number) => `${Math.floor(ms / 1000)}s`;
  const boards = p.boards
    .map(
      (b) =>
        `${b.id}: ${b.faults.length ? `${b.faults.join('+')} ` : ''}${b.mqtt}${b.pending ? `, ${b.pending} pending` : ''}`,
    )
    .join(' | ');
  return `[${p.scenario}] ${p.phase} ${secs(p.elapsedMs)}/${secs(p.totalMs)}  ${boards}`;
}
