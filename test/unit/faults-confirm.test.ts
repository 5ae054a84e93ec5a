import { expect } from 'chai';
import type { BrokerRecord } from '../../harness/broker/records.js';
import { applyFault, closeConfirmations, healFault } from '../../harness/faults/actions.js';
import type { BoardOp, FaultConfirmation, FaultContext, FaultPhase } from '../../harness/faults/context.js';
import { FAULT_KINDS, faultDefinition } from '../../harness/faults/registry.js';
import type { ProxyHandle } from '../../harness/network/toxiproxy.js';
import type { WifiMethod } from '../../harness/spec/types.js';

/**
 * A board whose agent answers each op as `answers` says, seen through `watch` as the runner
 * shows it; a proxy that keeps its toxics; a broker whose records the test sends.
 */
function board(opts: {
  wifi?: WifiMethod;
  onWifi?: (emit: (op: BoardOp) => void) => void;
  onReset?: (emit: (op: BoardOp) => void) => void;
  connected?: boolean;
  hook?: () => void;
}) {
  const watchers = new Set<(op: BoardOp) => void>();
  const emit = (op: BoardOp) => {
    for (const w of [...watchers]) w(op);
  };
  const toxics = new Set<string>();
  let enabled = true;
  const brokerListeners = new Set<(r: BrokerRecord) => void>();
  const confirms: FaultConfirmation[] = [];
  const phases: FaultPhase[] = [];
  const proxy = {
    name: 'b1',
    addToxic: async (t: { name: string }) => void toxics.add(t.name),
    removeToxic: async (name: string) => toxics.delete(name),
    toxicNames: async () => [...toxics],
    setEnabled: async (on: boolean) => {
      enabled = on;
    },
    isEnabled: async () => enabled,
  } as unknown as ProxyHandle;
  const ctx: FaultContext = {
    board: {
      id: 'b1',
      wifi: opts.wifi ?? { kind: 'agent' },
      clientId: 'hil-b1',
      control: {
        wifi: async () => {
          setTimeout(() => opts.onWifi?.(emit), 5);
          return undefined;
        },
        reset: async () => {
          setTimeout(() => opts.onReset?.(emit), 5);
        },
      },
      watch: (l) => {
        watchers.add(l);
        return () => watchers.delete(l);
      },
      connectedAtBroker: () => opts.connected,
    },
    proxy,
    broker: {
      kind: 'embedded',
      running: true,
      onRecord: (l: (r: BrokerRecord) => void) => {
        brokerListeners.add(l);
        return () => brokerListeners.delete(l);
      },
    } as unknown as FaultContext['broker'],
    run: async () => opts.hook?.(),
    record: (p) => phases.push(p),
    confirm: (c) => confirms.push(c),
    resetWaitMs: 50,
  };
  return { ctx, emit, confirms, phases, brokerListeners };
}

const settled = () => new Promise((r) => setTimeout(r, 80));

describe('a fault counts when its effect is seen', () => {
  it('every kind states what confirms it and within what time', () => {
    for (const kind of FAULT_KINDS) {
      const def = faultDefinition(kind);
      const params = def.parse(
        kind === 'flap'
          ? { fault: 'wifi-outage', down: '1s', up: '1s', for: '4s' }
          : { for: '2s', ms: 10, rate: 1 },
      );
      const c = def.confirm(params);
      expect(c.by, kind).to.be.a('string').and.not.equal('');
      expect(c.withinMs, kind).to.be.a('number').and.at.least(0);
    }
  });

  it('wifi: agent answered with error is not confirmed, and the agent’s answer is the reason', async () => {
    const b = board({
      onWifi: (emit) =>
        emit({
          t: 1,
          kind: 'agent-error',
          msg: 'cannot do @hil {"op":"wifi","up":false}: ValueError(\'unknown op\')',
        }),
    });
    const h = await applyFault('wifi-outage', { for: 1000 }, b.ctx);
    await settled();
    await healFault(h);
    expect(b.confirms).to.have.length(1);
    expect(b.confirms[0]).to.include({ fault: 'wifi-outage', confirmed: false });
    expect(b.confirms[0]?.seen)
      .to.contain('the agent answered the wifi op with error')
      .and.contain('unknown op');
    expect(b.confirms[0]?.t).to.be.at.least(b.phases[0]?.t as number);
  });

  it('wifi: agent confirmed by the agent’s net down', async () => {
    const b = board({ onWifi: (emit) => emit({ t: 1, kind: 'net', state: 'down' }) });
    await healFault(await applyFault('wifi-outage', { for: 1000 }, b.ctx));
    await settled();
    expect(b.confirms[0]).to.include({ confirmed: true });
    expect(b.confirms[0]?.seen).to.match(/^the agent reported net down \d+ ms after the wifi op$/);
  });

  it('wifi: { command } whose hook exits 0 but changes nothing is not confirmed', async () => {
    const b = board({ wifi: { kind: 'command', down: 'true', up: 'true' } });
    const h = await applyFault('wifi-outage', { for: 1000 }, b.ctx);
    await healFault(h);
    await settled();
    expect(b.confirms[0]).to.include({ confirmed: false });
    expect(b.confirms[0]?.seen).to.contain('neither the agent').and.contain('the broker');
  });

  it('wifi: { command } confirmed when the broker sees the client go', async () => {
    const b = board({ wifi: { kind: 'command', down: 'x', up: 'y' } });
    b.ctx.run = async (cmd) => {
      if (cmd === 'x')
        setTimeout(() => b.emit({ t: 1, kind: 'client', event: 'disconnect', clientId: 'hil-b1' }), 5);
    };
    const h = await applyFault('wifi-outage', { for: 1000 }, b.ctx);
    await settled();
    await healFault(h);
    expect(b.confirms[0]).to.include({ confirmed: true });
    expect(b.confirms[0]?.seen).to.contain('the broker saw hil-b1 go');
  });

  it('wifi: proxy confirmed by the toxics Toxiproxy lists', async () => {
    const b = board({ wifi: { kind: 'proxy' } });
    await healFault(await applyFault('wifi-outage', { for: 1000 }, b.ctx));
    await settled();
    expect(b.confirms[0]).to.include({ confirmed: true });
  });

  it('reboot answered with error is not recorded as done', async () => {
    const b = board({
      onReset: (emit) =>
        emit({ t: 1, kind: 'agent-error', msg: "cannot do reset: AttributeError('machine')" }),
    });
    await healFault(await applyFault('reboot', {}, b.ctx));
    await settled();
    expect(b.confirms[0]).to.include({ fault: 'reboot', confirmed: false });
    expect(b.confirms[0]?.seen).to.contain('the agent answered the reset op with error');
  });

  it('reboot confirmed by a new boot', async () => {
    const b = board({ onReset: (emit) => emit({ t: 1, kind: 'boot', reason: 'hello', boot: 2 }) });
    await healFault(await applyFault('reboot', {}, b.ctx));
    await settled();
    expect(b.confirms[0]).to.include({ confirmed: true });
  });

  it('a reboot still unseen at the end of the run is recorded as not seen to act', async () => {
    const b = board({});
    const h = await applyFault('reboot', {}, b.ctx);
    closeConfirmations([h]);
    expect(b.confirms[0]).to.deep.include({
      confirmed: false,
      seen: 'not seen to act by the end of the run',
    });
  });

  it('reset_peer that never fires is not confirmed', async () => {
    const b = board({});
    await healFault(await applyFault('reset', {}, b.ctx));
    expect(b.confirms[0]).to.include({ fault: 'reset', confirmed: false });
    expect(b.confirms[0]?.seen).to.contain('not seen to fire');
  });

  it('broker-outage refuse: the broker must see a connected board go', async () => {
    const b = board({ connected: true });
    const h = await applyFault('broker-outage', { for: 1000, mode: 'refuse' }, b.ctx);
    await healFault(h);
    await settled();
    expect(b.confirms[0]).to.include({ confirmed: false });
    expect(b.confirms[0]?.seen).to.contain('is the board connected through its proxy?');
    const away = board({ connected: false });
    await healFault(await applyFault('broker-outage', { for: 1000, mode: 'refuse' }, away.ctx));
    await settled();
    expect(away.confirms[0]).to.include({ confirmed: true });
  });
});
