/**
 * Every proxy hil ensured on a Toxiproxy server, as it must be re-created after the server dies:
 * boards were told the proxy's port and reconnect there, so a proxy first asked for port 0 is
 * re-created at the port Toxiproxy chose then. Pure: no I/O.
 */
import type { HostPort } from '../spec/types.js';
import type { ProxySpec } from './toxiproxy.js';

export class ProxyRegistry {
  private readonly byName = new Map<string, ProxySpec>();

  /**
   * Notes `spec` as created, listening at `actual` (what Toxiproxy answered). The host stays the
   * one asked for (`0.0.0.0` must stay a wildcard); the port is the real one.
   */
  remember(spec: ProxySpec, actual: HostPort): void {
    this.byName.set(spec.name, {
      name: spec.name,
      listen: { host: spec.listen.host, port: spec.listen.port || actual.port },
      upstream: spec.upstream,
    });
  }

  forget(name: string): void {
    this.byName.delete(name);
  }

  /** What to re-create, in the order first ensured; no port is 0 once its proxy was made. */
  specs(): ProxySpec[] {
    return [...this.byName.values()].map((s) => ({ ...s, listen: { ...s.listen } }));
  }

  get size(): number {
    return this.byName.size;
  }
}
