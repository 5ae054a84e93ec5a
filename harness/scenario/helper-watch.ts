/**
 * The rack's helper processes (toxiproxy-server) through one scenario: a scenario starts only
 * once they answer, and a helper that died during it makes every board of it `error` (hil's
 * trouble, not the firmware's: the scenario was not carried out as planned).
 */
import type { ToxiproxyOutage } from '../network/toxiproxy-server.js';
import type { RackServices } from './rack.js';

/** What to record on every board of the scenario: an `error` op at `t` (performance.now() ms). */
export interface HelperTrouble {
  t: number;
  msg: string;
}

export interface HelperWatch {
  /** Stops watching; the deaths seen since the start, once a restart under way is over. */
  troubles(): Promise<HelperTrouble[]>;
  /** Stops watching (safe after `troubles`). */
  stop(): void;
}

/**
 * Resolves once Toxiproxy answers (a restart under way awaited); rejects with its HIL_E_PROXY,
 * which says what to do, when it cannot: the scenario is then `error` on every board, at once.
 */
export async function watchHelpers(
  services: Pick<RackServices, 'toxiproxy'>,
  signal?: AbortSignal,
): Promise<HelperWatch> {
  const toxiproxy = services.toxiproxy;
  await toxiproxy.ready();
  const from = toxiproxy.outages.length;
  const stop = toxiproxy.watch();
  return {
    stop,
    async troubles() {
      stop();
      if (toxiproxy.outages.length === from) return [];
      // A managed server's restart may still be re-creating proxies: the message says how it ended.
      await toxiproxy.ready().catch(() => {});
      return (
        toxiproxy.outages
          .slice(from)
          // A Ctrl-C at the terminal reaches toxiproxy-server too (one process group): its clean
          // shutdown then is the interrupt's doing, not trouble to report.
          .filter((o) => !(signal?.aborted && o.exit?.code === 0))
          .map((o) => ({ t: o.t, msg: outageText(o, toxiproxy.url) }))
      );
    },
  };
}

/** One death as a board's `error` op says it (the checker puts it after "the runner could not go on at <t>: "). */
export function outageText(o: ToxiproxyOutage, url: string): string {
  const planned = 'this scenario was not carried out as planned';
  if (!o.managed) {
    return `Toxiproxy at ${url}: ${o.cause}, and every proxy with it: ${planned}${o.fix ? `. ${o.fix}` : ''}`;
  }
  const died = `toxiproxy-server died (${o.cause}), and every proxy with it`;
  const r = o.recovery;
  if (!r) return `${died}: ${planned}`;
  const s = `${(r.ms / 1000).toFixed(2)} s`;
  if (!r.restarted) return `${died}; hil could not restart it (${r.error}): ${planned}`;
  const n = r.proxies.length;
  const made = `re-created its ${n} ${n === 1 ? 'proxy' : 'proxies'} at the same addresses`;
  if (!r.failed.length) return `${died}; hil restarted it and ${made} within ${s}: ${planned}`;
  return `${died}; hil restarted it and ${made} within ${s}, but not: ${r.failed.join('; ')}: ${planned}`;
}
