import { ECONNABORTED } from '../radio.js';
import { appPings, bootConnect, commandTopic, forwardCommands, pyError } from './common.js';
import type { Message, ModelFactory } from './model.js';
import type { Session } from './session.js';

/** The app's pause between power-on connect attempts (umqtt.simple itself never retries). */
const BOOT_RETRY_MS = 2000;

/**
 * umqtt.simple as apps use it: publish writes straight to the socket (QoS 0 by default),
 * no keepalive ping of its own, no reconnect. The first socket error raises and the app,
 * catching it, has a dead client: that message and every later one are lost.
 */
export const simple: ModelFactory = (ctx) => {
  const qos = ctx.options.qos('qos');
  const clean = ctx.options.flag('clean-session');
  let session: Session | undefined;
  let dead = false;

  // check_msg in the app's loop raises on the dead socket: the app prints it and goes on.
  const noticeDead = (err: unknown) => {
    if (dead) return;
    dead = true;
    ctx.print(`mqtt error: ${pyError(err)}`);
    ctx.mqtt('disconnected');
  };

  appPings(ctx, () => (dead ? undefined : session));

  return {
    async start() {
      const s = await bootConnect(ctx, clean, 0, BOOT_RETRY_MS);
      session = s;
      forwardCommands(ctx, s);
      s.onClose(() => ctx.app.urgent(() => noticeDead(s.closeReason)));
      try {
        // subscribe() blocks until SUBACK; the app reports itself connected after it.
        await s.subscribe(commandTopic(ctx), ctx.options.qos('subscribe-qos'));
        ctx.mqtt('connected');
      } catch (err) {
        noticeDead(err);
      }
    },

    async publish(msg: Message) {
      try {
        if (dead || !session) throw ECONNABORTED();
        const { written, acked } = session.publish(msg.topic, msg.payload, qos);
        // QoS 1 waits for its PUBACK in wait_msg, with no timeout.
        await (qos === 1 ? acked : written);
        ctx.event({ ev: 'published', id: msg.id });
      } catch (err) {
        noticeDead(err);
        ctx.print(`publish ${msg.id} failed: ${pyError(err)}`);
        ctx.event({ ev: 'dropped', id: msg.id, why: `publish raised ${pyError(err)}` });
      }
    },

    stop(graceful) {
      session?.close(graceful);
    },
  };
};
