/**
 * The board's application: one thread. Jobs run one at a time, so a library call that
 * blocks (umqtt.robust reconnecting) holds back every stimulus queued behind it: they are
 * noticed late, as on the board. The agent lives in the same thread, as hil's MicroPython
 * agent does (fixtures/micropython/hil_core.py: the app calls `agent.poll()` in its loop):
 * what arrives on serial is read only when the app polls, so a blocked app answers nothing.
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
  /** What arrived on serial while the app was blocked: read at its next poll, in order. */
  readonly #unread: Array<() => void> = [];
  #running = false;
  /** A poll is reading what arrived: the app takes its ops once the reading is done. */
  #reading = false;
  /** Waits under way in which the app polls its agent (see `polled`). */
  #polling = 0;
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

  /**
   * True while the app would read its agent now: its loop is idle (it polls every few ms
   * between rounds), or a job is in a wait that polls (`polled`). False while a job is in a
   * blocking call: a socket read or write, a connect.
   */
  get polling(): boolean {
    return !this.#running || this.#polling > 0;
  }

  /**
   * What arrived on serial: `read` runs when the app next polls its agent, at once if it is
   * polling now. Whatever `read` queues (an emit) runs after the job under way, as the
   * MicroPython agent's `poll(False)` holds the app's ops for its next round.
   */
  serial(read: () => void): void {
    if (this.#stopped) return;
    this.#unread.push(read);
    if (this.polling) this.#poll();
  }

  /**
   * Waits for `wait` while polling the agent: the app's own pause between rounds, or a
   * library's sleep the app hooks (umqtt.robust's `delay()`, which hil's apps override to
   * call `agent.poll(False)`).
   */
  async polled<T>(wait: Promise<T>): Promise<T> {
    this.#polling += 1;
    this.#poll();
    try {
      return await wait;
    } finally {
      this.#polling -= 1;
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#jobs.length = 0;
    this.#unread.length = 0;
  }

  /** One poll: reads everything that arrived (hello, wifi, reset done now), then the app goes on. */
  #poll(): void {
    if (this.#reading) return;
    this.#reading = true;
    try {
      for (let read = this.#unread.shift(); read && !this.#stopped; read = this.#unread.shift()) read();
    } finally {
      this.#reading = false;
    }
    if (this.#jobs.length > 0) this.#kick();
  }

  #kick(): void {
    if (this.#running || this.#reading || this.#stopped) return;
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
    // Idle: the app's loop polls its agent again.
    this.#poll();
  }
}
