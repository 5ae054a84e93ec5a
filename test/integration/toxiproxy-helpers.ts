/** Shared by the toxiproxy, broker and faults integration tests. */
import type { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import { expect } from 'chai';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { BrokerControl } from '../../harness/broker/control.js';
import type { BrokerRecord } from '../../harness/broker/records.js';
import { HilError } from '../../harness/spec/errors.js';

/** Resolves with the event's arguments, or rejects after `ms` naming what was awaited. */
export function eventOf<T extends unknown[] = unknown[]>(
  source: Pick<EventEmitter, 'once' | 'off'> | MqttClient,
  event: string,
  ms = 5000,
): Promise<T> {
  // mqtt.js clients are typed event emitters; at run time all are Node EventEmitters.
  const emitter = source as EventEmitter;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no '${event}' within ${ms} ms`));
    }, ms);
    const on = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, on);
  });
}

/** Polls `check` until it returns something other than undefined (for state with no event). */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  ms = 5000,
): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every record of a broker from now on, with a way to await one. */
export class Recorder {
  readonly records: BrokerRecord[] = [];
  private readonly waiters = new Set<{
    match: (r: BrokerRecord) => boolean;
    resolve: (r: BrokerRecord) => void;
  }>();
  private readonly off: () => void;

  constructor(broker: Pick<BrokerControl, 'onRecord'>) {
    this.off = broker.onRecord((r) => {
      this.records.push(r);
      for (const w of this.waiters) {
        if (w.match(r)) {
          this.waiters.delete(w);
          w.resolve(r);
        }
      }
    });
  }

  /** The first record (already seen or future) that matches. */
  next<R extends BrokerRecord = BrokerRecord>(
    match: (r: BrokerRecord) => boolean,
    what: string,
    ms = 5000,
  ): Promise<R> {
    const seen = this.records.find(match);
    if (seen) return Promise.resolve(seen as R);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (r: BrokerRecord) => {
          clearTimeout(timer);
          resolve(r as R);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no broker record: ${what} within ${ms} ms`));
      }, ms);
      this.waiters.add(waiter);
    });
  }

  stop(): void {
    this.off();
  }
}

/** An mqtt.js client standing in for a board: no automatic reconnect, so each connection is deliberate. */
export async function board(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, keepalive: 60, ...options });
  client.on('error', () => {});
  await eventOf(client, 'connect');
  return client;
}

export async function endAll(clients: Iterable<MqttClient | undefined>): Promise<void> {
  await Promise.all([...clients].map((c) => c?.endAsync(true).catch(() => {})));
}

/** The error code of connecting to a loopback port (ECONNREFUSED ...), or undefined when it connects. */
export function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
  });
}

/** The HilError a promise rejects with; fails the test when it resolves. */
export async function rejection(work: Promise<unknown>): Promise<HilError> {
  try {
    await work;
  } catch (err) {
    expect(err).to.be.instanceOf(HilError);
    return err as HilError;
  }
  throw new Error('expected a rejection');
}
