import type { BrokerControl } from '../broker/control.js';
import { openBroker } from '../broker/open.js';
import { openToxiproxy, type ToxiproxyService } from '../network/toxiproxy-server.js';
import { HilError } from '../spec/errors.js';
import { boardLogin } from '../spec/mqtt-login.js';
import type { MqttLogin, RackSpec } from '../spec/types.js';
import { clientIdOf } from './broker-ops.js';

/** The rack's shared services for a whole run: Toxiproxy and the observing broker. */
export interface RackServices {
  toxiproxy: ToxiproxyService;
  broker: BrokerControl;
  close(): Promise<void>;
}

export interface OpenRackOptions {
  /** Toxiproxy's own log (file path); dropped when absent. */
  toxiproxyLog?: string;
  /** Told when a helper dies mid-run and what hil did about it, one line each (the run's stderr). */
  notice?: (line: string) => void;
  /**
   * The run's stop (Ctrl-C, SIGTERM): once aborted, a managed toxiproxy-server that ends is not
   * restarted (a terminal's Ctrl-C reaches it too). `close()` counts as the same.
   */
  signal?: AbortSignal;
}

/** Opens Toxiproxy (starting it when managed) and the broker; `/reset`s Toxiproxy before the run. */
export async function openRack(rack: RackSpec, opts: OpenRackOptions = {}): Promise<RackServices> {
  const closing = new AbortController();
  const shutdown = opts.signal ? AbortSignal.any([opts.signal, closing.signal]) : closing.signal;
  const toxiproxy = await openToxiproxy({
    url: rack.toxiproxy.url,
    manage: rack.toxiproxy.manage,
    // The run handles Ctrl-C itself: it heals through Toxiproxy first, then closes the rack.
    handleSignals: false,
    log: opts.toxiproxyLog,
    notice: opts.notice,
    shutdown,
  });
  let broker: BrokerControl;
  try {
    await toxiproxy.client.reset();
    broker = await openBroker(rack.broker, {
      boardIds: rack.boards.map((b) => b.id),
      logins: brokerLogins(rack),
    });
  } catch (err) {
    await toxiproxy.stop();
    throw err instanceof HilError
      ? err
      : new HilError('HIL_E_BROKER', `cannot start the broker: ${String(err)}`, { cause: err });
  }
  let closed = false;
  return {
    toxiproxy,
    broker,
    async close() {
      if (closed) return;
      closed = true;
      closing.abort();
      // Every exit path leaves Toxiproxy clean: no toxic outlives a run.
      await toxiproxy.client.reset().catch(() => {});
      await broker.close().catch(() => {});
      await toxiproxy.stop().catch(() => {});
    },
  };
}

/**
 * Each board's client id → its login (boards.yml `mqtt`), passwords read now; throws HIL_E_CONFIG
 * for an unset password variable.
 */
function brokerLogins(rack: RackSpec): Map<string, MqttLogin> {
  const logins = new Map<string, MqttLogin>();
  for (const board of rack.boards) {
    const login = boardLogin(board);
    if (login) logins.set(clientIdOf(board.id), login);
  }
  return logins;
}
