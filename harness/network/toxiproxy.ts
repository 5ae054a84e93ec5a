/**
 * The only module that talks to Toxiproxy's API (through toxiproxy-node-client 4).
 * Every call has a timeout, because the API can hang under load, and fails with a
 * HilError 'HIL_E_PROXY' saying what failed and what to do.
 */
import { type Proxy as ClientProxy, Toxiproxy, ToxiproxyError } from 'toxiproxy-node-client';
import { HilError } from '../spec/errors.js';
import type { HostPort } from '../spec/types.js';
import { describeHolders, portHolders } from './holder.js';
import { ProxyRegistry } from './proxy-registry.js';
import { withTimeout } from './with-timeout.js';

export type ToxicStream = 'upstream' | 'downstream';

/**
 * Attributes of each toxic type, as Toxiproxy 2.12 reads them. The client library does not
 * export the reset_peer and limit_data shapes, so all are written down here.
 */
export interface ToxicAttributes {
  /** Each chunk waits `latency` ± `jitter` ms. */
  latency: { latency: number; jitter: number };
  /** KB/s. */
  bandwidth: { rate: number };
  /** Sizes in bytes; `delay` in MICROseconds. */
  slicer: { average_size: number; size_variation: number; delay: number };
  /** 0: data is dropped and the connection never closed; removing the toxic closes it. */
  timeout: { timeout: number };
  /** Closes with RST on the next data, after `timeout` ms. */
  reset_peer: { timeout: number };
  limit_data: { bytes: number };
  slow_close: { delay: number };
}
export type ToxicType = keyof ToxicAttributes;

export type Toxic = {
  [K in ToxicType]: {
    name: string;
    type: K;
    /** upstream: board → broker; downstream: broker → board. */
    stream: ToxicStream;
    /** Share of connections affected, 0..1. Default 1. */
    toxicity?: number;
    attributes: ToxicAttributes[K];
  };
}[ToxicType];

/** One board's proxy. Fault code sees only this interface, so tests can pass a fake. */
export interface ProxyHandle {
  readonly name: string;
  /** The address Toxiproxy really listens on (the port it chose when asked for port 0). */
  readonly listen: HostPort;
  readonly upstream: string;
  addToxic(toxic: Toxic): Promise<void>;
  /** Removes a toxic; false when it was already gone (after a reset, say). */
  removeToxic(name: string): Promise<boolean>;
  toxicNames(): Promise<string[]>;
  /** Disabled: the listener and every connection are closed, new connections refused. */
  setEnabled(enabled: boolean): Promise<void>;
  isEnabled(): Promise<boolean>;
}

export interface ProxySpec {
  /** The board id. */
  name: string;
  /** Where boards connect; port 0 lets Toxiproxy choose (virtual boards). */
  listen: HostPort;
  /** The broker, `host:port`. */
  upstream: string;
}

export interface ToxiproxyClientOptions {
  /** API base, e.g. `http://127.0.0.1:8474`. */
  url: string;
  /** Each API call fails after this many ms. Default 5000. */
  timeoutMs?: number;
  /**
   * Told when a call found nobody answering (connection refused or reset, no HTTP status): the
   * server may have died. Timeouts do not count (an overloaded server is not a dead one).
   */
  onUnreachable?: (what: string, reason: string) => void;
}

interface ProxyState {
  listen: string;
  upstream: string;
  enabled: boolean;
}

export class ToxiproxyClient {
  readonly url: string;
  readonly timeoutMs: number;
  /** Every proxy `ensureProxy` made or kept (and not removed since): what a restarted server needs again. */
  readonly ensured = new ProxyRegistry();
  private readonly api: Toxiproxy;
  private readonly onUnreachable?: (what: string, reason: string) => void;

  constructor(options: ToxiproxyClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.api = new Toxiproxy(this.url);
    this.onUnreachable = options.onUnreachable;
  }

  version(): Promise<string> {
    return this.call('GET /version', () => this.api.getVersion());
  }

  /** Re-enables every proxy and removes every toxic (closing connections held by `timeout` toxics). */
  reset(): Promise<void> {
    return this.call('POST /reset', () => this.api.reset());
  }

  async proxyNames(): Promise<string[]> {
    return Object.keys(await this.call('GET /proxies', () => this.api.getAll()));
  }

  /**
   * The board's proxy, created if missing. An existing proxy with that name is kept when it
   * already points at `upstream` and listens where asked (any port when asked for port 0),
   * otherwise it is updated; either way it ends enabled.
   */
  async ensureProxy(spec: ProxySpec): Promise<ProxyHandle> {
    const wanted = `${spec.listen.host}:${spec.listen.port}`;
    let proxy = await this.findProxy(spec.name);
    if (!proxy) {
      // Who holds the port is looked up only when the API refuses it, to name them in the error.
      const taken = async () => {
        const who = spec.listen.port ? describeHolders(await portHolders(spec.listen.port)) : undefined;
        return `Is ${wanted} free? A board's listen port must not be used by another program${who ? `: it is held by ${who}` : ''}.`;
      };
      proxy = await this.call(
        `create proxy ${spec.name} (listen ${wanted}, upstream ${spec.upstream})`,
        () =>
          this.api.createProxy({ name: spec.name, listen: wanted, upstream: spec.upstream, enabled: true }),
        taken,
      );
    } else if (!sameListen(proxy.listen, spec.listen) || proxy.upstream !== spec.upstream) {
      const listen = sameListen(proxy.listen, spec.listen) ? proxy.listen : wanted;
      proxy = await this.update(proxy, { listen, upstream: spec.upstream, enabled: true });
    } else if (!proxy.enabled) {
      proxy = await this.update(proxy, { listen: proxy.listen, upstream: proxy.upstream, enabled: true });
    }
    const handle = new ToxiproxyProxy(this, proxy);
    this.ensured.remember(spec, handle.listen);
    return handle;
  }

  /**
   * Makes again every proxy ensured so far, each at the address it had (a fresh server has none).
   * Never throws: returns the names made and one line per proxy that could not be.
   */
  async recreate(): Promise<{ made: string[]; failed: string[] }> {
    const made: string[] = [];
    const failed: string[] = [];
    for (const spec of this.ensured.specs()) {
      try {
        await this.ensureProxy(spec);
        made.push(spec.name);
      } catch (err) {
        failed.push(err instanceof Error ? err.message : String(err));
      }
    }
    return { made, failed };
  }

  async removeProxy(name: string): Promise<void> {
    const proxy = await this.getProxy(name);
    await this.call(`delete proxy ${name}`, () => proxy.remove());
    this.ensured.forget(name);
  }

  /** @internal The proxy as the API shows it now, or undefined when there is none of that name. */
  async findProxy(name: string): Promise<ClientProxy | undefined> {
    try {
      return await this.getProxy(name);
    } catch (err) {
      if (err instanceof HilError && statusOf(err.cause) === 404) return undefined;
      throw err;
    }
  }

  /** @internal Toxiproxy's update wants the whole body; `listen` must be its own string or it re-listens. */
  update(proxy: ClientProxy, state: ProxyState): Promise<ClientProxy> {
    return this.call(`update proxy ${proxy.name} (enabled: ${state.enabled})`, () =>
      proxy.update({ enabled: state.enabled, listen: state.listen, upstream: state.upstream }),
    );
  }

  /** @internal */
  getProxy(name: string): Promise<ClientProxy> {
    return this.call(`GET /proxies/${name}`, () => this.api.get(name));
  }

  /** @internal Runs one API call with the timeout and turns failures into HIL_E_PROXY. */
  async call<T>(what: string, work: () => Promise<T>, hint?: string | (() => Promise<string>)): Promise<T> {
    try {
      return await withTimeout(
        work(),
        this.timeoutMs,
        () =>
          new HilError(
            'HIL_E_PROXY',
            `Toxiproxy at ${this.url}: ${what} got no answer within ${this.timeoutMs} ms. ` +
              'The machine may be overloaded or toxiproxy-server hung: restart it, or raise the timeout.',
          ),
      );
    } catch (err) {
      if (err instanceof HilError) throw err;
      const status = statusOf(err);
      const reason = err instanceof Error ? err.message : String(err);
      if (nobodyAnswered(err)) this.onUnreachable?.(what, reason);
      const fix =
        status === undefined
          ? `Is toxiproxy-server running there? Start it, or set toxiproxy.manage: true in boards.yml (the binary is installed by scripts/setup.sh).`
          : ((typeof hint === 'function' ? await hint() : hint) ?? 'See the toxiproxy-server log.');
      throw new HilError('HIL_E_PROXY', `Toxiproxy at ${this.url}: ${what} failed: ${reason}. ${fix}`, {
        cause: err,
      });
    }
  }
}

/**
 * A handle on one proxy. It keeps the client library's Proxy object, which only needs the name
 * to build paths, so each toxic costs one API call.
 */
class ToxiproxyProxy implements ProxyHandle {
  readonly name: string;
  readonly listen: HostPort;
  readonly upstream: string;
  /** Toxiproxy's own listen string, sent back on updates. */
  private readonly rawListen: string;

  constructor(
    private readonly client: ToxiproxyClient,
    private readonly proxy: ClientProxy,
  ) {
    this.name = proxy.name;
    this.rawListen = proxy.listen;
    this.listen = parseListen(proxy.listen);
    this.upstream = proxy.upstream;
  }

  async addToxic(toxic: Toxic): Promise<void> {
    await this.client.call(
      `add toxic ${toxic.name} (${toxic.type} ${toxic.stream}) to ${this.name}`,
      () =>
        this.proxy.addToxic({
          name: toxic.name,
          type: toxic.type,
          stream: toxic.stream,
          toxicity: toxic.toxicity ?? 1,
          attributes: toxic.attributes,
        }),
      'A toxic with that name may already exist: POST /reset clears them.',
    );
  }

  async removeToxic(name: string): Promise<boolean> {
    try {
      // The client's Toxic.remove needs a fetched toxic; a DELETE by path saves a round trip.
      await this.client.call(`remove toxic ${name} from ${this.name}`, () =>
        this.proxy.api.delete(`${this.proxy.getPath()}/toxics/${encodeURIComponent(name)}`),
      );
      return true;
    } catch (err) {
      if (err instanceof HilError && statusOf(err.cause) === 404) return false;
      throw err;
    }
  }

  async toxicNames(): Promise<string[]> {
    const body = await this.client.call(`GET toxics of ${this.name}`, () =>
      this.proxy.api.get<Array<{ name: string }>>(`${this.proxy.getPath()}/toxics`),
    );
    return (body.data ?? []).map((t) => t.name);
  }

  async setEnabled(enabled: boolean): Promise<void> {
    await this.client.update(this.proxy, { listen: this.rawListen, upstream: this.upstream, enabled });
  }

  async isEnabled(): Promise<boolean> {
    const now = await this.client.findProxy(this.name);
    if (!now)
      throw new HilError('HIL_E_PROXY', `Toxiproxy at ${this.client.url}: proxy ${this.name} is gone.`);
    return now.enabled;
  }
}

/** HTTP status of a client library error ("Request failed with status code 404"), if any. */
function statusOf(err: unknown): number | undefined {
  if (!(err instanceof ToxiproxyError)) return undefined;
  const m = /status code (\d{3})/.exec(err.message);
  return m ? Number(m[1]) : undefined;
}

/**
 * Nobody answered: the request failed below HTTP (fetch's "fetch failed": refused, reset), not with
 * a status, a bad body or a timeout. Takes the library's error or the HilError wrapping it.
 */
export function nobodyAnswered(err: unknown): boolean {
  const e = err instanceof HilError ? err.cause : err;
  return e instanceof ToxiproxyError && statusOf(e) === undefined && e.name !== 'SyntaxError';
}

/** Toxiproxy prints Go addresses: `127.0.0.1:41234`, `[::]:21001`. */
export function parseListen(text: string): HostPort {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(i + 1)) };
}

function sameListen(actual: string, wanted: HostPort): boolean {
  const a = parseListen(actual);
  if (wanted.port !== 0 && a.port !== wanted.port) return false;
  const wild = (h: string) => h === '0.0.0.0' || h === '::' || h === '';
  return a.host === wanted.host || (wild(a.host) && wild(wanted.host));
}
