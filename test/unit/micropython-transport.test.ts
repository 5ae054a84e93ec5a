import { resolve } from 'node:path';
import { expect } from 'chai';
import { boards } from './config-helpers.js';

describe('micropython transport (boards.yml side)', () => {
  it('reads files, binary and heap; fills the firmware', () => {
    const { value, diagnostics } = boards(`boards:
  - { id: w, micropython: { files: [fixtures/micropython/hil_agent.py, app.py:main.py], heap: 262144 } }
  - { id: u, micropython: { files: [app.py:main.py], binary: /opt/micropython } }
`);
    expect(diagnostics).to.deep.equal([]);
    const [w, u] = value?.boards ?? [];
    expect(w?.transport).to.deep.equal({
      kind: 'micropython',
      // Relative to the boards.yml file (here: the working directory), as every path in it.
      files: [`${resolve('fixtures/micropython/hil_agent.py')}:hil_agent.py`, `${resolve('app.py')}:main.py`],
      heap: 262144,
    });
    expect(w?.firmware).to.equal('micropython-wasm-1.27.0');
    expect(u?.transport).to.deep.equal({
      kind: 'micropython',
      files: [`${resolve('app.py')}:main.py`],
      binary: '/opt/micropython',
    });
    expect(u?.firmware).to.equal('micropython-unix');
  });

  it('rejects a board without files, an unknown key, and a serial key beside it', () => {
    const { diagnostics } = boards(`boards:
  - { id: a, micropython: { files: [] } }
  - { id: b, micropython: { files: [main.py], model: robust } }
  - { id: c, micropython: { files: [main.py] }, serial: /dev/ttyACM0 }
`);
    expect(diagnostics.map((d) => d.message).join('\n')).to.match(/files/);
    expect(diagnostics.length).to.be.at.least(3);
  });
});
