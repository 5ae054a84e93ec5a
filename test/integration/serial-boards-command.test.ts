import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { boardsCommand } from '../../harness/cli/boards-command.js';
import { parseBoards } from '../../harness/config/load-boards.js';
import { YamlSource } from '../../harness/config/yaml-source.js';
import { type FakeBoard, startFakeBoard } from '../fixtures/board/fake-board.js';
import { CP2102, makeUsbTree, PICO } from '../fixtures/board/usb-tree.js';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => {
    text += d.toString();
  });
  return { out, text: () => text };
}

describe('serial: hil boards', function () {
  this.timeout(60_000);
  let dir: string;
  let boards: FakeBoard[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-boards-'));
  });
  afterEach(async () => {
    await Promise.all(boards.map((b) => b.stop()));
    boards = [];
    await rm(dir, { recursive: true, force: true });
  });

  async function rack(text: string): Promise<string> {
    const file = join(dir, 'boards.yml');
    await writeFile(file, text);
    return file;
  }

  it('lists the rack: id, port, firmware, tags, status', async () => {
    const file = await rack(`boards:
  - id: picow-01
    serial: /dev/serial/by-id/usb-MicroPython-if00
    listen: 0.0.0.0:21001
    firmware: app-umqtt-robust
    tags: [picow, umqtt]
  - id: esp-01
    serial: { vid: "10c4", pid: "ea60", serialNumber: "0001" }
    listen: 0.0.0.0:21002
    status: quarantined
  - id: sim-robust
    virtual: { model: robust }
    tags: [virtual]
`);
    const c = capture();
    const code = await boardsCommand({ boards: file, probe: false, scan: false, out: c.out });
    expect(code).to.equal(0);
    const lines = c.text().trim().split('\n');
    expect(lines[0]).to.match(/^ID\s+PORT\s+FIRMWARE\s+TAGS\s+STATUS$/);
    expect(lines[1]).to.match(
      /^picow-01\s+\/dev\/serial\/by-id\/usb-MicroPython-if00\s+app-umqtt-robust\s+picow,umqtt\s+enabled$/,
    );
    expect(lines[2]).to.match(/^esp-01\s+usb 10c4:ea60 serial 0001\s+-\s+-\s+quarantined$/);
    expect(lines[3]).to.match(/^sim-robust\s+virtual PTY \(robust\)\s+virtual-robust\s+virtual\s+enabled$/);
  });

  it('exits 2 with file:line:col diagnostics for a bad boards.yml', async () => {
    const file = await rack('boards:\n  - id: Bad_Id\n    serial: /dev/ttyACM0\n    listen: 0.0.0.0:21001\n');
    const c = capture();
    const code = await boardsCommand({ boards: file, probe: false, scan: false, out: c.out });
    expect(code).to.equal(2);
    expect(c.text()).to.match(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2:\\d+: `, 'm'));
  });

  it('probes every board at once: answers, failures with reasons, skips disabled; exit 3 on an enabled failure', async () => {
    const [a, b] = await Promise.all([
      startFakeBoard({ board: 'fake-a', fw: 'fw-a' }),
      startFakeBoard({ board: 'fake-b', fw: 'fw-b' }),
    ]);
    boards.push(a as FakeBoard, b as FakeBoard);
    const file = await rack(`boards:
  - id: fake-a
    serial: ${a?.path}
    listen: 0.0.0.0:21001
  - id: fake-b
    serial: ${b?.path}
    listen: 0.0.0.0:21002
  - id: gone-01
    serial: /dev/hil-no-such-port
    listen: 0.0.0.0:21003
  - id: off-01
    serial: /dev/hil-no-such-port-2
    listen: 0.0.0.0:21004
    status: disabled
`);
    const c = capture();
    const code = await boardsCommand({
      boards: file,
      probe: true,
      scan: false,
      out: c.out,
      probeTimeout: 5000,
    });
    const text = c.text();
    expect(code).to.equal(3);
    expect(text).to.match(/^ID\s+PORT\s+FIRMWARE\s+TAGS\s+STATUS\s+PROBE$/m);
    expect(text).to.match(/^fake-a .* ok: agent 1, boot \d+, fw fw-a \(\d+ ms\)$/m);
    expect(text).to.match(/^fake-b .* ok: agent 1, boot \d+, fw fw-b \(\d+ ms\)$/m);
    expect(text).to.match(
      /^gone-01 .* FAILED: cannot open serial port \/dev\/hil-no-such-port: .*plugged in/m,
    );
    expect(text).to.match(/^off-01 .* skipped \(disabled\)$/m);
    expect(text).to.contain('2 of 3 board(s) answered; failed: gone-01; 1 disabled, not probed');
  });

  it('does not fail the command for a quarantined board that does not answer', async () => {
    const file = await rack(`boards:
  - id: flaky-01
    serial: /dev/hil-no-such-port
    listen: 0.0.0.0:21001
    status: quarantined
`);
    const c = capture();
    const code = await boardsCommand({ boards: file, probe: true, scan: false, out: c.out });
    expect(code).to.equal(0);
    expect(c.text()).to.match(/flaky-01 .* FAILED/);
  });

  it('probes a virtual board through the launcher', async () => {
    const file = await rack('boards:\n  - id: sim-robust\n    virtual: { model: robust }\n');
    const c = capture();
    const code = await boardsCommand({ boards: file, probe: true, scan: false, out: c.out });
    expect(c.text()).to.match(/^sim-robust .* ok: agent 1, boot /m);
    expect(code).to.equal(0);
  });

  it('--scan prints the devices present as entries that load, marking those already in the rack', async () => {
    const tree = await makeUsbTree([PICO, CP2102]);
    try {
      const file = await rack(`boards:
  - id: board-1
    serial: { vid: "2e8a", pid: "0005", serialNumber: "e66141040396" }
    listen: 0.0.0.0:21001
`);
      const c = capture();
      const usb = { sysRoot: tree.sysRoot, devRoot: tree.devRoot };
      const code = await boardsCommand({ boards: file, probe: false, scan: true, out: c.out, usb });
      expect(code).to.equal(0);
      const text = c.text();
      expect(text).to.contain('already in boards.yml as board-1');
      expect(text).to.not.contain(`# or serial: ${join(tree.devRoot, 'serial', 'by-id', PICO.byId)}`);
      expect(text).to.contain(
        '  - id: board-2\n    serial: { vid: "10c4", pid: "ea60" }\n    listen: 0.0.0.0:21002',
      );
      // What it prints pastes into a boards.yml that loads.
      const entries = text.slice(text.indexOf('# 2 USB serial'));
      const { source } = YamlSource.parse('pasted.yml', `boards:\n${entries}`);
      const loaded = parseBoards(source as YamlSource);
      expect(loaded.diagnostics).to.deep.equal([]);
      expect(loaded.value?.boards.map((b) => b.id)).to.deep.equal(['board-2']);
    } finally {
      await tree.remove();
    }
  });

  it('--scan works without a boards.yml, offering the stable by-id path too', async () => {
    const tree = await makeUsbTree([PICO]);
    try {
      const c = capture();
      const usb = { sysRoot: tree.sysRoot, devRoot: tree.devRoot };
      const code = await boardsCommand({
        boards: join(dir, 'missing.yml'),
        probe: false,
        scan: true,
        out: c.out,
        usb,
      });
      expect(code).to.equal(0);
      expect(c.text()).to.contain(
        '  - id: board-1\n    serial: { vid: "2e8a", pid: "0005", serialNumber: "e66141040396" }',
      );
      expect(c.text()).to.contain(`    # or serial: ${join(tree.devRoot, 'serial', 'by-id', PICO.byId)}`);
    } finally {
      await tree.remove();
    }
  });

  it('--scan says so when no device is plugged in', async () => {
    const tree = await makeUsbTree([]);
    try {
      const c = capture();
      const usb = { sysRoot: tree.sysRoot, devRoot: tree.devRoot };
      const code = await boardsCommand({
        boards: join(dir, 'missing.yml'),
        probe: false,
        scan: true,
        out: c.out,
        usb,
      });
      expect(code).to.equal(0);
      expect(c.text()).to.match(/no USB serial devices found/);
    } finally {
      await tree.remove();
    }
  });
});
