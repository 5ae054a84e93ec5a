import type { ChildProcess } from 'node:child_process';

/**
 * Ends `child` (SIGKILL) if this process exits first, however it exits: a second Ctrl-C's
 * `process.exit`, an uncaught error. A helper process (socat, a board host, toxiproxy-server)
 * must never outlive hil. The guard goes away by itself once the child has exited.
 */
export function killOnExit(child: ChildProcess): void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.on('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}
