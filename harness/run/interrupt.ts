import type { TextOut } from '../report/reporter.js';

/**
 * Ctrl-C and SIGTERM while a run goes on: the first aborts `controller` (the runner heals every
 * fault and the run writes what was recorded), a second Ctrl-C exits 130 at once. Returns the
 * function that removes the handlers.
 *
 * One handler stays registered from start to end: between removing a `once` listener and adding
 * the next, Node restores the default action, and a second press landing there would kill hil
 * without its exit hooks, leaving its helper processes behind.
 */
export function onInterrupt(controller: AbortController, stderr: TextOut): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    stderr.write(
      '\nhil run: interrupted: healing faults and writing what was recorded (Ctrl-C again to force)\n',
    );
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
