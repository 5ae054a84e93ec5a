import type { ChildProcess } from 'node:child_process';

/** The helper processes still running; one `exit` listener serves them all. */
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Ends `child` (SIGKILL) if this process exits first, however it exits: a second Ctrl-C's
 * `process.exit`, an uncaught error. A helper process (socat, a board host, toxiproxy-server)
 * must never outlive hil. The guard goes away by itself once the child has exited.
 */
export function killOnExit(child: ChildProcess): void {
  if (children.size === 0) process.on('exit', killAll);
  children.add(child);
  child.once('exit', () => {
    children.delete(child);
    if (children.size === 0) process.off('exit', killAll);
  });
}
