/**
 * A board host: one process running several virtual boards (virtual-board.ts), each on its own
 * PTY pair with its own agent, model, radio and MQTT client. Started by launcher.ts, which
 * places boards into a few hosts instead of one process each (a further board costs ~0.1 MiB and
 * a few ms of CPU, a process ~72 MiB and ~230 ms). Driven over IPC; see HostRequest/HostMessage.
 * It stops every board and exits on SIGTERM or SIGINT, or when the launcher's channel closes.
 */
import { VirtualBoard, type VirtualBoardSpec } from './virtual-board.js';

/** The launcher's requests; `key` names one start of one board (a restart gets a new key). */
export type HostRequest = { op: 'start'; key: string; spec: VirtualBoardSpec } | { op: 'stop'; key: string };

/** What the host says: ready once, then per request, and a board's or its own log lines. */
export type HostMessage =
  | { ready: true }
  | { key: string; ready: true }
  | { key: string; error: string }
  | { key: string; stopped: true }
  /** The board's serial line went away by itself: the board is off. */
  | { key: string; down: string }
  | { key: string; log: string }
  | { log: string };

/** How long the host waits for its boards to stop before it exits anyway (ms). */
const EXIT_MS = 1_000;

function main(): void {
  const boards = new Map<string, VirtualBoard>();
  // One request at a time per key: a stop that comes while its board starts waits for the start.
  const queues = new Map<string, Promise<void>>();
  const send = (msg: HostMessage) => {
    if (process.connected) process.send?.(msg);
  };
  const serial = (key: string, job: () => Promise<void>) => {
    const next = (queues.get(key) ?? Promise.resolve()).then(job);
    queues.set(key, next);
    void next.finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    });
  };

  const start = async (key: string, spec: VirtualBoardSpec) => {
    try {
      const board = await VirtualBoard.start(
        spec,
        (log) => send({ key, log }),
        (down) => {
          boards.delete(key);
          send({ key, down });
        },
      );
      boards.set(key, board);
      send({ key, ready: true });
    } catch (err) {
      send({ key, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const stop = async (key: string) => {
    const board = boards.get(key);
    boards.delete(key);
    await board?.stop();
    send({ key, stopped: true });
  };

  process.on('message', (msg: HostRequest) => {
    if (msg.op === 'start') serial(msg.key, () => start(msg.key, msg.spec));
    else if (msg.op === 'stop') serial(msg.key, () => stop(msg.key));
  });

  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    setTimeout(() => process.exit(code), EXIT_MS).unref();
    void Promise.all([...boards.values()].map((b) => b.stop())).finally(() => process.exit(code));
  };
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));
  // The launcher's end of the IPC channel closes when the harness dies: do not linger.
  process.on('disconnect', () => exit(0));
  // A simulator bug must not take the boards off the line: say it where the launcher reads.
  process.on('unhandledRejection', (err) => {
    send({ log: `board host: unhandled ${err instanceof Error ? err.stack : String(err)}` });
  });
  send({ ready: true });
}

main();
