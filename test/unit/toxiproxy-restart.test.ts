import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { ProxyRegistry } from '../../harness/network/proxy-registry.js';
import type { ToxiproxyOutage, ToxiproxyService } from '../../harness/network/toxiproxy-server.js';
import { outageText, watchHelpers } from '../../harness/scenario/helper-watch.js';
import { drop, history, scenario } from './checker-history-builder.js';

const UP = '127.0.0.1:1883';

describe('toxiproxy-server dying mid-run: what is re-created and what a board is told', () => {
  describe('the proxy registry', () => {
    it('re-creates a proxy first asked for port 0 at the port Toxiproxy chose then, and keeps it when asked again', () => {
      const r = new ProxyRegistry();
      r.remember(
        { name: 'sim-a', listen: { host: '127.0.0.1', port: 0 }, upstream: UP },
        { host: '127.0.0.1', port: 41234 },
      );
      // The next scenario asks for port 0 again; Toxiproxy kept the proxy where it was.
      r.remember(
        { name: 'sim-a', listen: { host: '127.0.0.1', port: 0 }, upstream: UP },
        { host: '127.0.0.1', port: 41234 },
      );
      expect(r.specs()).to.deep.equal([
        { name: 'sim-a', listen: { host: '127.0.0.1', port: 41234 }, upstream: UP },
      ]);
    });

    it('keeps the host asked for (a wildcard stays a wildcard) and a fixed port', () => {
      const r = new ProxyRegistry();
      r.remember(
        { name: 'picow-01', listen: { host: '0.0.0.0', port: 21001 }, upstream: UP },
        { host: '::', port: 21001 },
      );
      expect(r.specs()[0]?.listen).to.deep.equal({ host: '0.0.0.0', port: 21001 });
    });

    it('follows a moved upstream, forgets a removed proxy, and lists in first-ensured order', () => {
      const r = new ProxyRegistry();
      const at = (port: number) => ({ host: '127.0.0.1', port });
      r.remember({ name: 'a', listen: at(0), upstream: UP }, at(4001));
      r.remember({ name: 'b', listen: at(0), upstream: UP }, at(4002));
      r.remember({ name: 'c', listen: at(0), upstream: UP }, at(4003));
      r.remember({ name: 'a', listen: at(0), upstream: '127.0.0.1:1999' }, at(4001));
      r.forget('b');
      expect(r.specs().map((s) => [s.name, s.listen.port, s.upstream])).to.deep.equal([
        ['a', 4001, '127.0.0.1:1999'],
        ['c', 4003, UP],
      ]);
      expect(r.size).to.equal(2);
    });

    it('hands out copies: a caller cannot change what will be re-created', () => {
      const r = new ProxyRegistry();
      r.remember(
        { name: 'a', listen: { host: '127.0.0.1', port: 4001 }, upstream: UP },
        { host: '127.0.0.1', port: 4001 },
      );
      const first = r.specs()[0]!;
      first.listen.port = 1;
      expect(r.specs()[0]?.listen.port).to.equal(4001);
    });
  });

  describe("a death as the board's error op says it", () => {
    const URL = 'http://127.0.0.1:8474';
    const killed = (recovery?: ToxiproxyOutage['recovery']): ToxiproxyOutage => ({
      t: 1000,
      cause: 'killed by SIGKILL',
      managed: true,
      ...(recovery && { recovery }),
    });

    it('managed and restarted: the cause, the restart, how many proxies and how long', () => {
      const o = killed({ restarted: true, ms: 412, pid: 9, proxies: ['a', 'b', 'c'], failed: [] });
      expect(outageText(o, URL)).to.equal(
        'toxiproxy-server died (killed by SIGKILL), and every proxy with it; hil restarted it and re-created its 3 proxies at the same addresses within 0.41 s: this scenario was not carried out as planned',
      );
      const one = killed({ restarted: true, ms: 80, proxies: ['a'], failed: [] });
      expect(outageText(one, URL)).to.contain('re-created its 1 proxy at');
    });

    it('managed, a proxy not re-created or no restart: said, with why', () => {
      const partial = killed({
        restarted: true,
        ms: 90,
        proxies: ['a'],
        failed: ['b: port 21001 held by pid 7'],
      });
      expect(outageText(partial, URL)).to.match(
        /, but not: b: port 21001 held by pid 7: this scenario was not carried out as planned$/,
      );
      const failed = killed({
        restarted: false,
        ms: 30_000,
        error: 'it did not start on port 8474: port 8474 was taken',
      });
      expect(outageText(failed, URL)).to.equal(
        'toxiproxy-server died (killed by SIGKILL), and every proxy with it; hil could not restart it (it did not start on port 8474: port 8474 was taken): this scenario was not carried out as planned',
      );
    });

    it('unmanaged: names the URL, and what to do after it', () => {
      const fix = `hil does not manage that server (toxiproxy.manage: false), so it cannot restart it: start toxiproxy-server at ${URL} again, or set toxiproxy.manage: true in boards.yml to let hil start and restart its own.`;
      const o: ToxiproxyOutage = {
        t: 1,
        cause: 'its API stopped answering (connection refused or reset)',
        managed: false,
        fix,
      };
      expect(outageText(o, URL)).to.equal(
        `Toxiproxy at ${URL}: its API stopped answering (connection refused or reset), and every proxy with it: this scenario was not carried out as planned. ${fix}`,
      );
    });

    it('recorded on a board, it makes a passing scenario error, with the message as the reason', () => {
      const msg = outageText(killed({ restarted: true, ms: 412, proxies: ['b1'], failed: [] }), URL);
      const h = history('b1').mqtt(0.1, 'connected');
      for (let i = 1; i <= 5; i++) h.msg('telemetry', `t-${i}`, i, { at: [i + 0.05] });
      const clean = check(h.build(), scenario({ telemetry: drop() }, { duration: 6000, drain: 1000 }));
      expect(clean.verdict).to.equal('pass');
      h.push({ t: 2500, kind: 'error', board: 'b1', msg });
      const v = check(h.build(), scenario({ telemetry: drop() }, { duration: 6000, drain: 1000 }));
      expect(v.verdict).to.equal('error');
      expect(v.reasons).to.deep.equal([`the runner could not go on at 2.50s: ${msg}`]);
    });
  });

  describe('one scenario watching Toxiproxy', () => {
    /** A service whose deaths the test makes (no process: the network parts are integration-tested). */
    const fake = (ready: () => Promise<void> = async () => {}) => {
      const outages: ToxiproxyOutage[] = [];
      const service = { url: 'http://127.0.0.1:8474', managed: true, outages, ready, watch: () => () => {} };
      return { outages, services: { toxiproxy: service as unknown as ToxiproxyService } };
    };
    const died = (exit: ToxiproxyOutage['exit'], cause: string): ToxiproxyOutage => ({
      t: 5,
      cause,
      managed: true,
      exit,
      recovery: { restarted: true, ms: 80, proxies: ['a'], failed: [] },
    });

    it('reports only the deaths during the scenario', async () => {
      const { outages, services } = fake();
      outages.push(died({ code: null, signal: 'SIGKILL' }, 'killed by SIGKILL'));
      const w = await watchHelpers(services);
      expect(await w.troubles()).to.deep.equal([]);
      const w2 = await watchHelpers(services);
      outages.push(died({ code: null, signal: 'SIGKILL' }, 'killed by SIGKILL'));
      const t = await w2.troubles();
      expect(t.map((x) => x.t)).to.deep.equal([5]);
      expect(t[0]?.msg).to.match(/^toxiproxy-server died \(killed by SIGKILL\)/);
    });

    it("a clean shutdown while the run is interrupted is the Ctrl-C's doing (one process group), a SIGKILL is not", async () => {
      const { outages, services } = fake();
      const abort = new AbortController();
      const w = await watchHelpers(services, abort.signal);
      outages.push(died({ code: 0, signal: null }, 'it shut down'));
      outages.push(died({ code: null, signal: 'SIGKILL' }, 'killed by SIGKILL'));
      abort.abort();
      expect((await w.troubles()).map((x) => x.msg.slice(0, 41))).to.deep.equal([
        'toxiproxy-server died (killed by SIGKILL)',
      ]);
    });

    it('a Toxiproxy that cannot be made to answer fails the scenario before anything starts', async () => {
      const { services } = fake(async () => {
        throw new Error('Toxiproxy at http://127.0.0.1:8474 does not answer');
      });
      const err = await watchHelpers(services).catch((e: unknown) => e);
      expect((err as Error).message).to.equal('Toxiproxy at http://127.0.0.1:8474 does not answer');
    });
  });
});
