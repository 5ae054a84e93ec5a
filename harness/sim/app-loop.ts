/**
 * The board's application: one thread. Jobs run one at a time, so a library call that
 * blocks (umqtt.robust reconnecting) holds back every stimulus queued behind it: they are
 * noticed late, as on the board.
 */
export type Job = () => Promise<void> | void;

/** Thrown into a job when its app is stopped (reboot, new config): not an error. */
export class Stopped extends Error {
  constructor() {
    super('app stopped');
    this.name = 'Stopped';
  }
}

/** What a model may do with the app's loop. */
export interface AppQueue {
  push(job: Job): void;
  urgent(job: Job): void;
}

export class AppLoop implements AppQueue {
  readonly #jobs: Job[] = [];
  #running = false;
  #stopped = false;

  constructor(private readonly onCrash: (err: unknown) => void) {}

  /** Queues a job behind the others (a stimulus read from serial). */
  push(job: Job): void {
    this.#jobs.push(job);
    this.#kick();
  }

  /** Runs a job before the queued ones (the library noticing a dead socket in its poll). */
  urgent(job: Job): void {
    this.#jobs.unshift(job);
    this.#kick();
  }

  stop(): void {
    this.#stopped = true;
    this.#jobs.length = 0;
  }

  #kick(): void {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      for (let job = this.#jobs.shift(); job && !this.#stopped; job = this.#jobs.shift()) {
        try {
          await job();
        } catch (err) {
          if (!(err instanceof Stopped) && !this.#stopped) this.onCrash(err);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}
