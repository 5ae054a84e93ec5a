import { realpath } from 'node:fs/promises';
import { createServer } from 'node:net';
import { describeHolders, type Holder, pathHolders, portHolders } from '../network/holder.js';
import type { BoardSpec, HostPort, RackSpec } from '../spec/types.js';
import { transportOf } from '../transports/open.js';

/**
 * What would make the rack fail once it runs, found before anything runs: the embedded broker's
 * port taken, a board's proxy port taken by a program other than Toxiproxy, a board's serial
 * device open in another program (a terminal, mpremote, another hil). One line a problem, each
 * naming the holder where the kernel shows it; empty when all is free.
 */
export async function preflight(rack: RackSpec, boards: readonly BoardSpec[]): Promise<string[]> {
  const problems: string[] = [];
  if (rack.broker.url === undefined && rack.broker.listen.port !== 0) {
    const holders = await takenBy(rack.broker.listen);
    if (holders)
      problems.push(
        `broker.listen ${where(rack.broker.listen)} is taken${held(holders)}: free it or change broker.listen in ${rack.file}`,
      );
  }
  for (const board of boards) {
    if (board.listen && board.listen.port !== 0) {
      const holders = await takenBy(board.listen);
      // A Toxiproxy server already running holds its proxies' ports: that is where hil wants them.
      if (holders && !holders.some((h) => /toxiproxy/.test(h.command)))
        problems.push(
          `board ${board.id}: its proxy port ${where(board.listen)} is taken${held(holders)}: free it or change its listen in ${rack.file}`,
        );
    }
    const device = await transportOf(board).device?.(board.transport);
    // A PTY is a virtual cable: whatever holds it (socat, ser2net, an emulator) is the board's
    // end, not a program competing for the console as a terminal on a USB port would be.
    if (device && !(await realpath(device).catch(() => device)).startsWith('/dev/pts/')) {
      const holders = await pathHolders(device);
      if (holders.length)
        problems.push(
          `board ${board.id}: serial port ${device} is open in another program${held(holders)}: close it (mpremote, screen, minicom, another hil)`,
        );
    }
  }
  return problems;
}

/** The holders of a port we cannot listen on (an empty list: taken, holder not visible); undefined when free. */
async function takenBy(at: HostPort): Promise<Holder[] | undefined> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: at.host, port: at.port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  return free ? undefined : portHolders(at.port);
}

function held(holders: readonly Holder[]): string {
  const who = describeHolders(holders);
  return who ? ` by ${who}` : ' by another program';
}

function where(at: HostPort): string {
  return `${at.host}:${at.port}`;
}
