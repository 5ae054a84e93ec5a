import { performance } from 'node:perf_hooks';
import { appPings, commandTopic, forwardCommands, openSession, pyError, within } from './common.js';
import type { Message, ModelFactory } from './model.js';
import { Robust2Queue } from './robust2-queue.js';
import { ConnectError, PidCounter, type Session } from './session.js';

/** The app's main loop period: one round of check_msg and send_queue. */
const TICK_MS = 100;

class MQTTException extends Error {
  constructor(readonly code: number) {
    super(String(code));
    this.name = 'MQTTException';
  }
}

/**
 * umqtt.robust2 2.2.0 driven by the loop its README shows: publish never blocks nor raises
 * (no PUBACK wait; a failed write goes to the queue), socket writes and the CONNACK read
 * time out after `socket-timeout`; the queue holds `queue-size` messages counting the
 * unacknowledged ones, which are evicted first; a QoS 1 message without PUBACK after
 * `resend-after` goes back to the front of the queue and is sent again with a new id.
 * The loop reconnects (clean_session=False) and resubscribes when `is_conn_issue()`.
 */
export const robust2: ModelFactory = (ctx) => {
  const qos = ctx.options.qos('qos');
  const socketTimeout = ctx.options.ms('socket-timeout');
  const delay = ctx.options.ms('reconnect-delay');
  const keepalive = ctx.options.ms('keepalive');
  const q = new Robust2Queue<Message>(ctx.options.int('queue-size'), ctx.options.ms('resend-after'));
  // simple2's pid_gen lives as long as the client object: ids go on across reconnects.
  const pids = new PidCounter();
  const subs: Array<{ topic: string; qos: 0 | 1 }> = [];
  const subToSend: Array<{ topic: string; qos: 0 | 1 }> = [];
  let session: Session | undefined;
  let connIssue: string | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let up = false;
  let tickQueued = false;

  /** Reported once the app has (re)subscribed: SUBSCRIBE is on the wire. */
  const connected = () => {
    if (up || connIssue !== undefined || !session?.usable) return;
    up = true;
    ctx.mqtt('connected');
  };

  const trouble = (why: string) => {
    connIssue ??= why;
    if (up) {
      up = false;
      ctx.mqtt('disconnected');
    }
  };

  /**
   * simple2's `_sock_timeout(poller_w)`: waits for the socket to be writable. A lost one (radio
   * down) never is: MQTTException(30) after `socket-timeout`, or at once once it fails.
   */
  const writable = async (s: Session) => {
    if (!s.lost) return;
    await within(s.whenClosed(), socketTimeout, () => new MQTTException(30));
    throw s.closeReason;
  };

  /** simple2.publish(): one PUBLISH, the write bounded by socket_timeout. */
  const write = async (msg: Message) => {
    if (!session) throw new MQTTException(28);
    if (!session.usable) throw session.closeReason;
    await writable(session);
    const { written, acked, pid } = session.publish(msg.topic, msg.payload, qos);
    await within(written, socketTimeout, () => new MQTTException(30));
    if (qos === 1) {
      q.sent(msg, pid, performance.now());
      acked.then(
        () => q.acked(pid),
        () => {},
      );
    }
  };

  const subscribe = (topic: string, subQos: 0 | 1, remember: boolean) => {
    if (remember && !subs.some((s) => s.topic === topic)) subs.push({ topic, qos: subQos });
    for (let i = subToSend.length - 1; i >= 0; i--) if (subToSend[i]?.topic === topic) subToSend.splice(i, 1);
    if (session?.usable) {
      // simple2 sends SUBSCRIBE and returns; the SUBACK is read later by check_msg.
      session.subscribe(topic, subQos).catch(() => {});
      return;
    }
    trouble('MQTTException(28)');
    subToSend.push({ topic, qos: subQos });
  };

  /** robust2.connect(): a clean session empties the queues; failures become conn_issue. */
  const connect = async (clean: boolean) => {
    if (clean) q.clear();
    // simple2's connect() starts with disconnect(): DISCONNECT written through _write, whose
    // wait for a writable socket a lost one makes last `socket-timeout`; errors are swallowed.
    const old = session;
    if (old) await writable(old).catch(() => {});
    old?.close(true);
    session = undefined;
    ctx.mqtt('connecting');
    try {
      const s = await openSession(ctx, clean, socketTimeout, pids);
      session = s;
      connIssue = undefined;
      forwardCommands(ctx, s);
      s.onClose(() => {
        if (s === session) trouble(pyError(s.closeReason));
      });
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      connIssue = err.message;
    }
  };

  /** send_queue(): stops at the first failure, keeping even the ones it had already sent. */
  const sendQueue = async () => {
    const sent: Message[] = [];
    for (const msg of [...q.toSend]) {
      try {
        await write(msg);
        sent.push(msg);
      } catch (err) {
        trouble(pyError(err));
        return;
      }
    }
    for (const msg of sent) q.taken(msg);
    for (const sub of subToSend.splice(0)) subscribe(sub.topic, sub.qos, false);
  };

  /** One round of the README's loop. */
  const tick = async () => {
    const now = performance.now();
    // is_keepalive(): no control packet within keepalive is a connection issue.
    if (keepalive > 0 && session && now - session.lastRx > keepalive) trouble('MQTTException(7)');
    if (connIssue !== undefined) {
      if (now - lastAttempt < delay) return;
      lastAttempt = now;
      await connect(false);
      if (connIssue !== undefined) return;
      if (ctx.options.flag('resubscribe')) for (const s of subs) subscribe(s.topic, s.qos, false);
      connected();
    }
    q.expire(performance.now());
    await sendQueue();
  };

  appPings(ctx, () => session);

  return {
    async start() {
      await connect(ctx.options.flag('clean-session'));
      subscribe(commandTopic(ctx), ctx.options.qos('subscribe-qos'), true);
      connected();
      ctx.every(TICK_MS, () => {
        if (tickQueued) return;
        tickQueued = true;
        ctx.app.push(async () => {
          tickQueued = false;
          await tick();
        });
      });
    },

    async publish(msg: Message) {
      try {
        await write(msg);
      } catch (err) {
        trouble(pyError(err));
        q.failed(msg);
      }
      // robust2.publish() returns either way: the library has the message.
      ctx.event({ ev: 'published', id: msg.id });
    },

    stop(graceful) {
      session?.close(graceful);
    },
  };
};
