import { expect } from 'chai';
import { importGraph, reachable } from './import-graph.js';

/** Packages that open sockets, serial ports or a broker when loaded: never for the validator. */
const RACK_PACKAGES = /^(toxiproxy-node-client|serialport|@serialport\/.*|aedes|aedes-.*|mqtt)$/;

describe('import graph', () => {
  const graph = importGraph();

  it('reads runtime imports and leaves type-only ones out', () => {
    expect(graph.get('harness/network/toxiproxy.ts')?.packages).to.include('toxiproxy-node-client');
    // context.ts imports network/ and broker/ for types only.
    expect(graph.get('harness/faults/context.ts')?.modules).to.deep.equal([]);
    expect(reachable(graph, 'harness/config/suite.ts').has('harness/faults/flap.ts')).to.equal(true);
  });

  it('the validator (config/suite.ts) loads no Toxiproxy, serial, aedes or mqtt code', () => {
    const bad = [...reachable(graph, 'harness/config/suite.ts')].flatMap(([file, chain]) =>
      (graph.get(file)?.packages ?? [])
        .filter((p) => RACK_PACKAGES.test(p))
        .map((p) => `${chain.join(' → ')} → ${p}`),
    );
    expect(bad).to.deep.equal([]);
  });
});
