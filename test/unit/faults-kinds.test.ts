import { expect } from 'chai';
import { applyFault, healFault } from '../../harness/faults/actions.js';
import type { FaultContext, FaultPhase } from '../../harness/faults/context.js';
import { FAULT_KINDS, FAULTS, faultDefinition } from '../../harness/faults/registry.js';
import type { Op } from '../../harness/history/ops.js';
import type { ProxyHandle } from '../../harness/network/toxiproxy.js';
import { faultBands } from '../../harness/report/timeline-model.js';

/** A context with no rack behind it: a proxy that takes toxics, a board that resets. */
function fakeContext(phases: FaultPhase[], calls: string[]): FaultContext {
  const proxy = {
    name: 'b1',
    addToxic: async (t: { name: string }) => void calls.push(`add ${t.name}`),
    removeToxic: async (name: string) => {
      calls.push(`remove ${name}`);
      return true;
    },
  } as unknown as ProxyHandle;
  return {
    board: {
      id: 'b1',
      wifi: { kind: 'proxy' },
      control: {
        wifi: async (up) => void calls.push(`wifi ${up}`),
        reset: async () => void calls.push('reset'),
      },
    },
    proxy,
    broker: { kind: 'embedded' } as FaultContext['broker'],
    run: async () => {},
    record: (p) => phases.push(p),
  };
}

describe('fault kinds', () => {
  it('each registry entry is one whole kind under its own name', () => {
    for (const name of FAULT_KINDS) {
      const def = FAULTS[name];
      expect(def.kind, name).to.equal(name);
      expect(def.apply, name).to.be.a('function');
      expect(def.schema.type, name).to.equal('object');
    }
  });

  it('a kind validates what its schema cannot say: a flap shorter than one outage', () => {
    const flap = faultDefinition('flap');
    const short = flap.parse({ fault: 'wifi-outage', down: '10s', up: '1s', for: '10s' });
    expect(flap.validate?.(short)).to.deep.equal([
      {
        path: ['down'],
        message: 'flap is down 10s within a flap of 10s: that is one outage',
        hint: 'use a plain outage, or make `for` longer than `down` + `up`',
      },
    ]);
    const fine = flap.parse({ fault: 'wifi-outage', down: '3s', up: '1s', for: '10s' });
    expect(flap.validate?.(fine)).to.deep.equal([]);
  });

  it('a rack-wide kind says why it cannot take `boards`', () => {
    const outage = faultDefinition('broker-outage');
    const stop = outage.parse({ for: '5s', mode: 'stop' });
    expect(outage.scope(stop)).to.equal('rack');
    expect(outage.rackReason?.(stop).message).to.equal(
      'broker-outage with mode stop restarts the broker that every board shares',
    );
  });

  it('applyFault records the kind’s effect with the start and the end', async () => {
    const phases: FaultPhase[] = [];
    const calls: string[] = [];
    const ctx = fakeContext(phases, calls);
    const effects: Array<[string, boolean, string]> = [];
    for (const [kind, raw] of [
      ['latency', { for: '1s', ms: 5 }],
      ['wifi-outage', { for: '1s' }],
      ['reboot', {}],
    ] as const) {
      phases.length = 0;
      const handle = await applyFault(kind, faultDefinition(kind).parse(raw), ctx);
      await healFault(handle);
      expect(phases.map((p) => p.phase)).to.deep.equal(['start', 'end']);
      for (const p of phases) effects.push([p.fault, p.down, p.effect]);
    }
    expect(effects).to.deep.equal([
      ['latency', false, 'degraded'],
      ['latency', false, 'degraded'],
      ['wifi-outage', true, 'down'],
      ['wifi-outage', true, 'down'],
      ['reboot', false, 'restart'],
      ['reboot', false, 'restart'],
    ]);
    expect(calls.filter((c) => c.startsWith('add')).length).to.equal(4);
    expect(calls.filter((c) => c.startsWith('remove')).length).to.equal(4);
  });

  it('the timeline draws a fault as its recorded effect, and by name in older histories', () => {
    const op = (t: number, fault: string, phase: 'start' | 'end', down: boolean, effect?: string): Op =>
      ({ t, kind: 'fault', board: 'b1', fault, phase, down, ...(effect && { effect }) }) as Op;
    const bands = faultBands(
      [
        op(0, 'storm', 'start', false, 'group'),
        op(0, 'wifi-outage', 'start', true, 'down'),
        op(100, 'wifi-outage', 'end', true, 'down'),
        op(500, 'storm', 'end', false, 'group'),
        op(600, 'jolt', 'start', false, 'instant'),
        op(900, 'jolt', 'end', false, 'instant'),
        op(1000, 'flap', 'start', false),
        op(1100, 'reset', 'start', false),
        op(1200, 'reset', 'end', false),
        op(1300, 'latency', 'start', false),
        op(1400, 'latency', 'end', false),
        op(1500, 'flap', 'end', false),
      ],
      2000,
    );
    expect(bands.map((b) => [b.fault, b.effect])).to.deep.equal([
      ['storm', 'span'],
      ['wifi-outage', 'down'],
      ['jolt', 'instant'],
      ['flap', 'span'],
      ['reset', 'instant'],
      ['latency', 'degraded'],
    ]);
  });
});
