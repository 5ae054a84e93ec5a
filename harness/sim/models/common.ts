import { Stopped } from '../app-loop.js';
import { OSError } from '../radio.js';
import type { ModelContext } from './model.js';
import { ConnectError, type PidCounter, Session } from './session.js';

/** What every model's app subscribes to: the runner's commands. */
export const commandTopic = (ctx: ModelContext): string => `${ctx.target.prefix}/cmd/+`;

/**
 * Connects with the model's keepalive; `connackTimeoutMs` 0 waits forever. Rejects with
 * `Stopped` when the app has stopped (a reboot, a new config, power off) before or meanwhile:
 * a stopped app's library opens no connection.
 */
export async function openSession(
  ctx: ModelContext,
  clean: boolean,
  connackTimeoutMs: number,
  pids?: PidCounter,
): Promise<Session> {
  if (ctx.signal.aborted) throw new Stopped();
  const s = await Session.open(ctx.radio, ctx.target, {
    clean,
    keepaliveMs: ctx.options.ms('keepalive'),
    connackTimeoutMs,
    ...(pids && { pids }),
  });
  if (ctx.signal.aborted) {
    s.close(false);
    throw new Stopped();
  }
  return s;
}

/**
 * The app's power-on connect: try until it works, pausing `delayMs` between attempts.
 * Libraries leave this to the app; the apps the models stand for all loop like this.
 */
export async function bootConnect(
  ctx: ModelContext,
  clean: boolean,
  connackTimeoutMs: number,
  delayMs: number,
  pids?: PidCounter,
): Promise<Session> {
  for (;;) {
    ctx.mqtt('connecting');
    try {
      return await openSession(ctx, clean, connackTimeoutMs, pids);
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      ctx.print(`mqtt connect failed: ${err.message}`);
    }
    await ctx.sleep(delayMs);
  }
}

/** Reports the commands arriving on a session (no dedup: the runner sees duplicates). */
export function forwardCommands(ctx: ModelContext, session: Session, seen?: RecentIds): void {
  session.onMessage((topic, payload) => {
    if (ctx.signal.aborted) return;
    const cmd = ctx.command(topic, payload);
    if (!cmd) return;
    if (seen?.has(cmd.id)) {
      ctx.print(`command ${cmd.id} again: ignored`);
      return;
    }
    seen?.add(cmd.id);
    ctx.received(cmd);
  });
}

/** The last ids seen, bounded as a board's RAM is. */
export class RecentIds {
  readonly #ids = new Set<string>();
  constructor(private readonly limit = 256) {}
  has(id: string): boolean {
    return this.#ids.has(id);
  }
  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.limit) this.#ids.delete(this.#ids.values().next().value as string);
  }
}

/** How MicroPython prints an exception in one line. */
export function pyError(err: unknown): string {
  if (err instanceof OSError) return `OSError: ${err.message}`;
  if (err instanceof ConnectError && err.failure.kind === 'oserror') return pyError(err.failure.error);
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Waits for `p`, failing with `onTimeout()` after `ms` (0: no limit). */
export function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  if (ms <= 0) return p;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * The app's own keepalive pings (umqtt leaves pinging to the app): every keepalive / 2, as a
 * job of its loop, so an app blocked in the library does not ping.
 */
export function appPings(ctx: ModelContext, current: () => Session | undefined): void {
  const keepalive = ctx.options.ms('keepalive');
  if (keepalive <= 0) return;
  let queued = false;
  ctx.every(Math.max(100, keepalive / 2), () => {
    if (queued) return;
    queued = true;
    ctx.app.push(() => {
      queued = false;
      const s = current();
      // A lost connection (radio down) is left alone: the app's ping would only raise.
      if (s?.usable && !s.lost) s.ping();
    });
  });
}
