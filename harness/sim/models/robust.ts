import { OSError } from '../radio.js';
import { type Frame, PyException } from '../traceback.js';
import { appPings, bootConnect, commandTopic, forwardCommands, openSession } from './common.js';
import type { Message, ModelFactory } from './model.js';
import { ConnectError, PidCounter, type Session } from './session.js';

/** The library versions the model follows: micropython-lib's current one, and PyPI's. */
export const ROBUST_VERSIONS = ['1.0.3', '1.0'] as const;
type Version = (typeof ROBUST_VERSIONS)[number];

/** Where the app calls into the library (main.py of the app the model stands for). */
const APP: Record<Caller, Frame> = {
  check_msg: { file: 'main.py', line: 61, fn: 'poll' },
  publish: { file: 'main.py', line: 47, fn: 'send' },
};
type Caller = 'check_msg' | 'publish';

/**
 * The library's frames from the app's call down to simple's connect, per version: umqtt/robust.py
 * 1.0.3 on umqtt/simple.py 1.8.0 (micropython-lib); robust.py 1.0 on simple.py 1.3.4 (PyPI),
 * where check_msg is simple's, calling robust's wait_msg.
 */
const FRAMES: Record<Version, { lib: Record<Caller, Frame[]>; connack: Frame; refused: Frame }> = {
  '1.0.3': {
    lib: {
      check_msg: [
        { file: 'umqtt/robust.py', line: 54, fn: 'check_msg' },
        { file: 'umqtt/robust.py', line: 25, fn: 'reconnect' },
      ],
      publish: [
        { file: 'umqtt/robust.py', line: 37, fn: 'publish' },
        { file: 'umqtt/robust.py', line: 25, fn: 'reconnect' },
      ],
    },
    connack: { file: 'umqtt/simple.py', line: 119, fn: 'connect' },
    refused: { file: 'umqtt/simple.py', line: 121, fn: 'connect' },
  },
  '1.0': {
    lib: {
      check_msg: [
        { file: 'umqtt/simple.py', line: 204, fn: 'check_msg' },
        { file: 'umqtt/robust.py', line: 43, fn: 'wait_msg' },
        { file: 'umqtt/robust.py', line: 23, fn: 'reconnect' },
      ],
      publish: [
        { file: 'umqtt/robust.py', line: 35, fn: 'publish' },
        { file: 'umqtt/robust.py', line: 23, fn: 'reconnect' },
      ],
    },
    connack: { file: 'umqtt/simple.py', line: 97, fn: 'connect' },
    refused: { file: 'umqtt/simple.py', line: 99, fn: 'connect' },
  },
};

/** The app's loop pause (micropython-lib's examples: check_msg(), then time.sleep(1)). */
const APP_LOOP_MS = 1000;

/**
 * umqtt.robust: reconnects only when a call raises OSError; first attempt at once, then
 * every `reconnect-delay`, with connect(clean_session=False) and no socket timeout, all
 * inside the call, so the app is blocked meanwhile (its delay hook polls the agent). A publish
 * whose write failed is sent again with a new packet id; a QoS 1 publish written before the
 * close is not, and the app waits for its PUBACK forever. Subscriptions are not renewed.
 * `version: '1.0'` (PyPI's): check_msg is simple's, so a reconnect there leaves the app
 * blocked on the new socket until a packet arrives.
 */
export const robust: ModelFactory = (ctx) => {
  const qos = ctx.options.qos('qos');
  const delay = ctx.options.ms('reconnect-delay');
  const socketTimeout = ctx.options.ms('socket-timeout');
  const version = ctx.options.oneOf('version', ROBUST_VERSIONS);
  const frames = FRAMES[version];
  // umqtt.simple's self.pid: one counter for the client object, across reconnects.
  const pids = new PidCounter();
  let session: Session | undefined;
  /** Packets of `session` the library has read itself (CONNACK, SUBACK): a blocking read waits past them. */
  let read = 0;
  let up = false;

  const setUp = (state: boolean) => {
    if (state === up) return;
    up = state;
    ctx.mqtt(state ? 'connected' : 'disconnected');
  };

  const wire = (s: Session) => {
    forwardCommands(ctx, s);
    // The app's next check_msg raises on the dead socket, and robust reconnects in it.
    s.onClose(() => ctx.app.urgent(() => checkMsg(s)));
  };

  /** robust.reconnect(): loops until connected; only OSError is caught. */
  const reconnect = async (caller: Caller) => {
    for (;;) {
      ctx.mqtt('connecting');
      try {
        const s = await openSession(ctx, false, socketTimeout, pids);
        session = s;
        read = 1;
        wire(s);
        if (ctx.options.flag('resubscribe')) {
          await s.subscribe(commandTopic(ctx), ctx.options.qos('subscribe-qos')).catch(() => {});
          read = s.packets;
        }
        setUp(true);
        return;
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        const f = err.failure;
        const stack = [APP[caller], ...frames.lib[caller]];
        // CONNACK read returned b'': resp[0] raises IndexError, which nothing catches.
        if (f.kind === 'eof')
          throw escaped(new PyException('IndexError', 'index out of range', [...stack, frames.connack]));
        if (f.kind === 'refused')
          throw escaped(new PyException('MQTTException', String(f.code), [...stack, frames.refused]));
      }
      // robust's delay(): hil's apps poll the agent in it.
      await ctx.sleep(delay);
    }
  };

  // After an escaped exception the app carries on: it sleeps out its loop, then its next
  // check_msg finds the socket dead and reconnects (a broker that keeps closing at once
  // makes a traceback a loop).
  const escaped = (e: PyException) => {
    ctx.app.urgent(async () => {
      await ctx.sleep(APP_LOOP_MS);
      await checkMsg(session);
    });
    return e;
  };

  /**
   * robust's wait_msg on the blocking socket: reads one packet (returns when `onePacket`), and
   * when the socket dies reconnects in place and reads again. No poll meanwhile: the app and its
   * agent answer nothing.
   */
  const waitMsg = async (caller: Caller, onePacket: boolean): Promise<void> => {
    for (;;) {
      const s = session;
      if (!s) return;
      if (onePacket) {
        if (await s.nextPacket(read)) {
          read += 1;
          return;
        }
      } else await s.whenClosed();
      setUp(false);
      await reconnect(caller);
    }
  };

  const checkMsg = async (s: Session | undefined) => {
    if (s !== session || session?.usable) return;
    setUp(false);
    await reconnect('check_msg');
    // 1.0.3's check_msg reads the new socket non-blocking and returns; 1.0 has none of its own:
    // simple's check_msg set non-blocking on the socket reconnect replaced, and robust's wait_msg
    // now reads the new, blocking one.
    if (version === '1.0') await waitMsg('check_msg', true);
  };

  appPings(ctx, () => session);

  return {
    async start() {
      const s = await bootConnect(ctx, ctx.options.flag('clean-session'), socketTimeout, delay, pids);
      session = s;
      wire(s);
      // subscribe() blocks until SUBACK; the app reports itself connected after it.
      await s.subscribe(commandTopic(ctx), ctx.options.qos('subscribe-qos')).catch(() => {});
      setUp(true);
    },

    async publish(msg: Message) {
      for (;;) {
        try {
          if (!session) throw new OSError(-1, 'no socket');
          const { written, acked } = session.publish(msg.topic, msg.payload, qos);
          await written;
          if (qos === 1) {
            const ok = await acked.then(
              () => true,
              () => false,
            );
            // The PUBLISH was written and the socket closed before its PUBACK: the OSError came
            // from robust's own wait_msg, inside simple's PUBACK loop, so robust reconnects in
            // place and that loop goes on waiting for the PUBACK of a message never sent again
            // (measured on the real library: test/integration/micropython-robust.test.ts).
            if (!ok) {
              setUp(false);
              await reconnect('publish');
              await waitMsg('publish', false);
              return;
            }
          }
          ctx.event({ ev: 'published', id: msg.id });
          return;
        } catch (err) {
          // robust.DEBUG is off in the apps the model stands for: the retry is silent.
          if (!(err instanceof OSError)) throw err;
        }
        setUp(false);
        await reconnect('publish');
      }
    },

    stop(graceful) {
      session?.close(graceful);
    },
  };
};
