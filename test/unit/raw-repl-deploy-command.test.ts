import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import type { SerialPort } from 'serialport';
import { openPtyPair, type PtyPair } from '../../harness/board/pty-pair.js';
import { closeSerialPort, openSerialPort } from '../../harness/board/serial-port.js';
import { deployCommand } from '../../harness/cli/deploy-command.js';
import { FakeMicroPython } from './raw-repl-fake.js';

function sink(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('raw REPL: hil deploy command', () => {
  let dir: string;
  let app: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hil-deploy-'));
    app = join(dir, 'app.py');
    await writeFile(app, 'print("hi")\n');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function rack(serial: string): Promise<string> {
    const file = join(dir, 'boards.yml');
    await writeFile(
      file,
      [
        'boards:',
        '  - id: esp32-01',
        `    serial: ${serial}`,
        '    listen: 0.0.0.0:21001',
        '  - id: sim-robust',
        '    virtual: { model: robust }',
        '',
      ].join('\n'),
    );
    return file;
  }

  async function run(boards: string, board: string, files: string[]) {
    const out = sink();
    const err = sink();
    const code = await deployCommand({
      boards,
      board,
      files,
      out: out.stream,
      err: err.stream,
      deploy: { timeoutMs: 3000 },
    });
    return { code, out: out.text(), err: err.text() };
  }

  it('exits 2 with file:line:col errors for a bad boards.yml', async () => {
    const file = join(dir, 'boards.yml');
    await writeFile(file, 'boards:\n  - id: b1\n    serail: /dev/ttyUSB0\n');
    const r = await run(file, 'b1', [app]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/boards\.yml:3:5: /);
  });

  it('exits 2 for a board not in the rack, listing those that are', async () => {
    const r = await run(await rack('/dev/ttyUSB0'), 'esp32-02', [app]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('no board "esp32-02" in');
    expect(r.err).to.contain('(boards: esp32-01, sim-robust)');
  });

  it('exits 2 for a virtual board', async () => {
    const r = await run(await rack('/dev/ttyUSB0'), 'sim-robust', [app]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('board "sim-robust" is virtual');
  });

  it('exits 2 for a file that does not exist, before touching the board', async () => {
    const r = await run(await rack('/dev/hil-no-such-port'), 'esp32-01', [join(dir, 'nope.py')]);
    expect(r.code).to.equal(2);
    expect(r.err).to.contain('nope.py: no such file');
  });

  it('exits 3 when the serial port cannot be opened, saying why', async () => {
    const r = await run(await rack('/dev/hil-no-such-port'), 'esp32-01', [`${app}:main.py`]);
    expect(r.code).to.equal(3);
    expect(r.err).to.match(/HIL_E_SERIAL: board esp32-01: cannot open serial port \/dev\/hil-no-such-port/);
  });

  describe('over a serial line (a PTY) to a board that speaks the raw REPL', () => {
    let pty: PtyPair | undefined;
    let boardEnd: SerialPort | undefined;

    afterEach(async () => {
      if (boardEnd) await closeSerialPort(boardEnd);
      await pty?.close();
      boardEnd = undefined;
      pty = undefined;
    });

    it('deploys, reports each file, and exits 0', async () => {
      pty = await openPtyPair();
      boardEnd = await openSerialPort(pty.device, { board: 'fake', baud: 115200 });
      const fake = new FakeMicroPython(boardEnd, { rawPaste: true });
      const r = await run(await rack(pty.host), 'esp32-01', [`${app}:main.py`]);
      expect(r.err).to.equal('');
      expect(r.code).to.equal(0);
      expect(r.out).to.contain(`deploying to esp32-01 at ${pty.host}`);
      expect(r.out).to.contain(`${app} -> main.py (12 bytes)`);
      expect(r.out).to.match(/deployed 1 file\(s\), 12 bytes, in [\d.]+ s \(raw-paste\)/);
      expect(fake.files.get('main.py')?.toString()).to.equal('print("hi")\n');
      expect(fake.mainRuns).to.equal(1);
    });

    it('exits 3 with HIL_E_TIMEOUT when the board never answers', async () => {
      pty = await openPtyPair();
      boardEnd = await openSerialPort(pty.device, { board: 'fake', baud: 115200 });
      new FakeMicroPython(boardEnd, { mute: true });
      const r = await run(await rack(pty.host), 'esp32-01', [app]);
      expect(r.code).to.equal(3);
      expect(r.err).to.match(/HIL_E_TIMEOUT: esp32-01: the board did not enter the raw REPL within 3000 ms/);
    });
  });
});
