import type { TextOut } from '../report/reporter.js';

/**
 * Ctrl-C and SIGTERM while a run goes on: the first aborts `controller` (the runner heals every
 * fault and the run writes what was recorded), a second Ctrl-C exits 130 at once. Returns the
 * function that removes the handlers.
 */
export function onInterrupt(controller: AbortController, stderr: TextOut): () => void {
  const onSignal = () => {
    if (controller.signal.aborted) return;
    stderr.write(
      '\nhil run: interrupted: healing faults and writing what was recorded (Ctrl-C again to force)\n',
    );
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
