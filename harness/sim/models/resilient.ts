import { performance } from 'node:perf_hooks';
import { Stopped } from '../app-loop.js';
import { commandTopic, forwardCommands, openSession, pyError, RecentIds, within } from './common.js';
import type { Message, ModelFactory } from './model.js';
import { ConnectError, PidCounter, type Session } from './session.js';

/** How often queued messages are checked against their deadlines while nothing is sent. */
const SWEEP_MS = 100;

interface Queued {
  msg: Message;
  /** Host ms after which it is not worth sending (Infinity: no deadline for its class). */
  deadline: number;
}

/**
 * The reference firmware: mqtt_as 0.8.3's connection handling (keepalive pings every
 * keepalive / 4, the link declared dead when nothing arrived for `keepalive`; reconnect
 * only once the interface is up; QoS 1 publish waiting for PUBACK, sent again with a new
 * id after a reconnect; persistent session) plus what mqtt_as leaves to the app: an
 * outgoing queue that never blocks the app, drops a message whose deadline has passed,
 * and dedup of received commands by id.
 */
export const resilient: ModelFactory = (ctx) => {
  const qos = ctx.options.qos('qos');
  const clean = ctx.options.flag('clean-session');
  const keepalive = ctx.options.ms('keepalive');
  const delay = ctx.options.ms('reconnect-delay');
  const responseTime = ctx.options.ms('socket-timeout');
  const queueSize = ctx.options.int('queue-size');
  const dropExpired = ctx.options.flag('drop-expired');
  const seen = new RecentIds();
  const pids = new PidCounter();
  const queue: Queued[] = [];
  let inFlight: Queued | undefined;
  let session: Session | undefined;
  const sleepers = new Set<() => void>();

  /** Wakes the tasks: a message was queued, or the link went up or down. */
  const nudge = () => {
    for (const wake of [...sleepers]) wake();
  };
  /** Sleeps until `ms` pass or `nudge()`. */
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  const drop = (q: Queued, why: string) => {
    ctx.print(`dropped ${q.msg.id}: ${why}`);
    ctx.event({ ev: 'dropped', id: q.msg.id, why });
  };

  const sweep = () => {
    if (!dropExpired) return;
    const now = performance.now();
    for (let i = queue.length - 1; i >= 0; i--) {
      const q = queue[i] as Queued;
      if (q === inFlight || q.deadline > now) continue;
      queue.splice(i, 1);
      drop(q, `deadline passed (${Math.round(now - q.msg.noticedAt)} ms after it was noticed)`);
    }
  };

  /** mqtt_as _reconnect(): close the socket; the connection task starts over. */
  const lose = (s: Session, why: string) => {
    if (s !== session) return;
    session = undefined;
    ctx.print(`mqtt: link lost (${why})`);
    ctx.mqtt('disconnected');
    s.close(false);
    nudge();
  };

  /** _keep_alive(): ping every keepalive / 4; nothing received for keepalive means dead. */
  const keepAlive = (s: Session) => {
    if (keepalive <= 0) return;
    const every = Math.max(50, Math.floor(keepalive / 4));
    const timer = setInterval(() => {
      if (s !== session || ctx.signal.aborted) return clearInterval(timer);
      if (performance.now() - s.lastRx >= keepalive) return lose(s, 'no answer within keepalive');
      if (s.usable) s.ping();
    }, every);
    ctx.signal.addEventListener('abort', () => clearInterval(timer));
  };

  /** _keep_connected(): reconnect once the WiFi interface is up again. */
  const keepConnected = async () => {
    while (!ctx.signal.aborted) {
      if (session) {
        await idle(1000);
        continue;
      }
      // isconnected() is false while the interface is down: no broker attempt is made.
      if (!ctx.radio.up) {
        await ctx.sleep(delay);
        continue;
      }
      ctx.mqtt('connecting');
      let s: Session;
      try {
        s = await openSession(ctx, clean, responseTime, pids);
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        ctx.print(`mqtt: connect failed: ${err.message}`);
        await ctx.sleep(delay);
        continue;
      }
      if (ctx.signal.aborted) return s.close(false);
      session = s;
      forwardCommands(ctx, s, seen);
      s.onClose(() => lose(s, pyError(s.closeReason)));
      keepAlive(s);
      // A session the broker kept still has the subscription; renew it otherwise.
      if (!s.sessionPresent || ctx.options.flag('resubscribe')) {
        const subQos = ctx.options.qos('subscribe-qos');
        await within(
          s.subscribe(commandTopic(ctx), subQos),
          responseTime,
          () => new Error('no SUBACK'),
        ).catch((err: Error) => lose(s, err.message));
      }
      if (s === session) ctx.mqtt('connected');
      nudge();
    }
  };

  /** The app's sender task: oldest first, one at a time, each until its PUBACK. */
  const sender = async () => {
    while (!ctx.signal.aborted) {
      sweep();
      const head = queue[0];
      const s = session;
      if (!head || !s?.usable) {
        await idle(SWEEP_MS);
        continue;
      }
      inFlight = head;
      try {
        const { written, acked } = s.publish(head.msg.topic, head.msg.payload, qos);
        await within(qos === 1 ? acked : written, responseTime, () => new Error('no PUBACK'));
        queue.shift();
        ctx.event({ ev: 'published', id: head.msg.id });
      } catch (err) {
        // The message stays at the head and goes again, with a new id, on the next link.
        lose(s, err instanceof Error ? err.message : String(err));
      } finally {
        inFlight = undefined;
      }
    }
  };

  const background = (task: () => Promise<void>) =>
    task().catch((err) => {
      if (!(err instanceof Stopped)) ctx.print(`task failed: ${pyError(err)}`);
    });

  return {
    async start() {
      // isconnected() checks the interface: a radio loss is noticed at once, not at a write.
      const unwatch = ctx.radio.watch((radioUp) => {
        if (!radioUp && session) lose(session, 'WiFi interface down');
      });
      ctx.signal.addEventListener('abort', unwatch);
      void background(keepConnected);
      void background(sender);
    },

    async publish(msg: Message) {
      const limit = ctx.target.deadlines[msg.cls];
      queue.push({ msg, deadline: limit === undefined ? Number.POSITIVE_INFINITY : msg.noticedAt + limit });
      while (queue.length > queueSize) {
        const oldest = queue.findIndex((q) => q !== inFlight);
        const [q] = queue.splice(oldest, 1);
        if (q) drop(q, `queue full (${queueSize})`);
      }
      nudge();
    },

    stop(graceful) {
      nudge();
      session?.close(graceful);
    },
  };
};
