import { expect } from 'chai';
import { describeBoard, transportOf } from '../../harness/transports/open.js';
import { TRANSPORT_YAML, TRANSPORTS } from '../../harness/transports/registry.js';
import { boards } from './config-helpers.js';

describe('board transports', () => {
  it('one registry line per transport: unique kinds, each boards.yml side agreeing with its transport', () => {
    expect(new Set(TRANSPORTS.map((t) => t.kind)).size).to.equal(TRANSPORTS.length);
    expect(TRANSPORT_YAML.map((y) => y.kind)).to.deep.equal(['virtual', 'serial-path', 'usb', 'micropython']);
    for (const t of TRANSPORTS) {
      if (!t.yaml) continue;
      expect([t.yaml.kind, t.yaml.label, t.yaml.advertise], t.kind).to.deep.equal([
        t.kind,
        t.label,
        t.advertise,
      ]);
    }
  });

  it('derives each board transport from boards.yml, with what the run needs of it', () => {
    const { value, diagnostics } = boards(`boards:
  - { id: by-path, serial: /dev/ttyACM0, listen: "0.0.0.0:21001" }
  - { id: by-usb, serial: { vid: "2e8a", pid: "0005", serialNumber: "e6614104" }, listen: "0.0.0.0:21002" }
  - { id: sim, virtual: { model: robust } }
  - { id: mpy, micropython: { files: [app.py:main.py] } }
`);
    expect(diagnostics).to.deep.equal([]);
    const got = (value?.boards ?? []).map((b) => {
      const t = transportOf(b);
      return [b.transport.kind, t.advertise, t.rawRepl, describeBoard(b)];
    });
    expect(got).to.deep.equal([
      ['serial-path', 'lan', true, '/dev/ttyACM0'],
      ['usb', 'lan', true, 'usb 2e8a:0005 serial e6614104'],
      ['virtual', 'loopback', false, 'virtual PTY (robust)'],
      ['micropython', 'loopback', false, 'MicroPython WebAssembly port'],
    ]);
  });

  it('tells a USB device of the rack from a new one, by path, by-id link or identity', () => {
    const { value } = boards(`boards:
  - { id: a, serial: /dev/serial/by-id/usb-pico-if00, listen: "0.0.0.0:21001" }
  - { id: b, serial: { vid: "10C4", pid: "ea60" }, listen: "0.0.0.0:21002" }
`);
    const [a, b] = value?.boards ?? [];
    const pico = { path: '/dev/ttyACM0', byId: '/dev/serial/by-id/usb-pico-if00', vid: '2e8a', pid: '0005' };
    const cp = { path: '/dev/ttyUSB0', vid: '10c4', pid: 'ea60' };
    const uses = (board: typeof a, d: typeof pico | typeof cp) =>
      board ? transportOf(board).usesDevice?.(board.transport, d) : undefined;
    expect([uses(a, pico), uses(a, cp), uses(b, pico), uses(b, cp)]).to.deep.equal([
      true,
      false,
      false,
      true,
    ]);
  });
});
