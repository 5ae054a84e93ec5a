import { expect } from 'chai';
import { makeDirs, readFile, writeFile } from '../../harness/deploy/board-files.js';
import { deployOver } from '../../harness/deploy/deploy.js';
import { RawRepl } from '../../harness/deploy/raw-repl.js';
import type { HilError } from '../../harness/spec/errors.js';
import { bytePair, FakeMicroPython, type FakeOptions } from './raw-repl-fake.js';

/** Every byte value, and the ones a Python literal must escape, several times over. */
const AWKWARD = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('it\'s a \\ "quote"\r\n\ttab é ✓ \x00\x7f', 'utf8'),
  Buffer.alloc(300, 0x41),
]);

function board(opts: FakeOptions = {}) {
  const [host, dev] = bytePair();
  const fake = new FakeMicroPython(dev, opts);
  const repl = new RawRepl(host, { board: 'b1', timeoutMs: 2000 });
  return { host, fake, repl };
}

async function rejection(p: Promise<unknown>): Promise<HilError> {
  try {
    await p;
  } catch (err) {
    return err as HilError;
  }
  throw new Error('expected a rejection');
}

describe('raw REPL', () => {
  it('interrupts the app, enters raw mode and soft-resets there (main.py does not run)', async () => {
    const { fake, repl } = board();
    await repl.enter();
    expect(fake.mode).to.equal('raw');
    expect(fake.softResets).to.equal(1);
    expect(fake.mainRuns).to.equal(0);
  });

  it('interrupts again when the app catches the first Ctrl-Cs', async () => {
    const { fake, repl } = board({ swallowInterrupts: 2 });
    await repl.enter();
    expect(fake.mode).to.equal('raw');
  });

  it('times out naming the board and quoting what it said', async () => {
    const [host, dev] = bytePair();
    new FakeMicroPython(dev, { mute: true });
    dev.write('garbage at the wrong baud rate');
    const repl = new RawRepl(host, { board: 'b1', timeoutMs: 300 });
    const err = await rejection(repl.enter());
    expect(err.code).to.equal('HIL_E_TIMEOUT');
    expect(err.message).to.match(/^b1: the board did not enter the raw REPL within 300 ms/);
    expect(err.message).to.contain('"garbage at the wrong baud rate"');
  });

  it('uses raw-paste where the firmware has it, never sending past the window', async () => {
    const { fake, repl } = board({ rawPaste: true, window: 16 });
    await repl.enter();
    const code = `print(${'1+'.repeat(100)}1)`;
    expect(await repl.exec(code)).to.equal(`${'1+'.repeat(100)}1\r\n`);
    expect(repl.rawPaste).to.equal(true);
    expect(fake.commands).to.deep.equal([code]);
    expect(fake.overrun).to.equal(0);
  });

  it('falls back to plain raw mode on firmware before 1.14 (it answers "ra...")', async () => {
    const { fake, repl } = board({ rawPaste: false });
    await repl.enter();
    expect(await repl.exec('print(42)')).to.equal('42\r\n');
    expect(await repl.exec('print(43)')).to.equal('43\r\n');
    expect(repl.rawPaste).to.equal(false);
    expect(fake.commands).to.deep.equal(['print(42)', 'print(43)']);
  });

  it('falls back to plain raw mode when raw-paste is refused (R\\x00)', async () => {
    const { repl } = board({ rawPaste: 'refused' });
    await repl.enter();
    expect(await repl.exec('print(7)')).to.equal('7\r\n');
    expect(repl.rawPaste).to.equal(false);
  });

  it("rejects with the board's traceback when the code raises", async () => {
    const { repl } = board();
    await repl.enter();
    const err = await rejection(repl.exec('raise OSError: [Errno 2] ENOENT'));
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.match(/^b1: raise OSError.* failed on the board: Traceback/);
    expect(err.message).to.contain('OSError: [Errno 2] ENOENT');
    // The REPL is still usable afterwards.
    expect(await repl.exec('print(1)')).to.equal('1\r\n');
  });

  for (const rawPaste of [true, false]) {
    it(`writes and reads back any bytes exactly (${rawPaste ? 'raw-paste' : 'plain raw mode'})`, async () => {
      const { fake, repl } = board({ rawPaste, window: 64 });
      await repl.enter();
      expect(await writeFile(repl, 'data.bin', AWKWARD)).to.equal(AWKWARD.length);
      expect(fake.files.get('data.bin')?.equals(AWKWARD)).to.equal(true);
      expect((await readFile(repl, 'data.bin')).equals(AWKWARD)).to.equal(true);
      expect(fake.overrun).to.equal(0);
      // Without flow control every command fits the micro:bit's 63-byte receive buffer.
      if (!rawPaste) expect(fake.longestPlainCommand).to.be.at.most(60);
    });
  }

  it('finds a file size with os.size where there is no os.stat (the micro:bit)', async () => {
    const { repl } = board({ microbit: true, rawPaste: false });
    await repl.enter();
    expect(await writeFile(repl, 'main.py', Buffer.from('print(1)\n'))).to.equal(9);
  });

  it('says the filesystem is full when a write fails with ENOSPC', async () => {
    const { repl } = board({ capacity: 100 });
    await repl.enter();
    const err = await rejection(writeFile(repl, 'big.bin', Buffer.alloc(500, 1)));
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.match(
      /^b1: big.bin: the board's filesystem is full \(ENOSPC\) after \d+ of 500 bytes/,
    );
  });

  it("says the filesystem is full when open() fails with the micro:bit's own words", async () => {
    const { repl } = board({ openFull: true });
    await repl.enter();
    const err = await rejection(writeFile(repl, 'big.bin', Buffer.alloc(500, 1)));
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.match(
      /^b1: big.bin: the board's filesystem is full \(ENOSPC\) after 0 of 500 bytes/,
    );
  });

  it('says the filesystem may be full when the board closes the file mid-write (EBADF)', async () => {
    const { repl } = board({ capacity: 300, fullErrno: 9 });
    await repl.enter();
    const err = await rejection(writeFile(repl, 'big.bin', Buffer.alloc(500, 1)));
    expect(err.message).to.match(
      /^b1: big.bin: the board closed the file after \d+ of 500 bytes \(EBADF: is its filesystem full\?\)/,
    );
  });

  it('makes the folders above a file', async () => {
    const { fake, repl } = board();
    await repl.enter();
    await makeDirs(repl, 'lib/umqtt/simple.py');
    expect([...fake.dirs]).to.deep.equal(['lib', 'lib/umqtt']);
  });

  it('says which folder it could not make, and why', async () => {
    const { repl } = board({ microbit: true });
    await repl.enter();
    const err = await rejection(makeDirs(repl, 'lib/x.py'));
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.equal(
      "b1: cannot make folder lib for lib/x.py (os.mkdir): AttributeError: 'module' object has no attribute 'mkdir'",
    );
  });
});

describe('raw REPL: deploy over a stream', () => {
  it('writes each file, checks its size, then soft-resets from the normal REPL so main.py runs', async () => {
    const [host, dev] = bytePair();
    const fake = new FakeMicroPython(dev, { rawPaste: true });
    const files = [
      { local: 'a.py', remote: 'main.py', data: Buffer.from('import app\n') },
      { local: 'b.py', remote: 'lib/app.py', data: AWKWARD },
    ];
    const log: string[] = [];
    const r = await deployOver(host, files, { board: 'b1', timeoutMs: 2000, log: (l) => log.push(l) });
    expect(r.rawPaste).to.equal(true);
    expect(r.files.map((f) => [f.remote, f.bytes])).to.deep.equal([
      ['main.py', 11],
      ['lib/app.py', AWKWARD.length],
    ]);
    expect(fake.files.get('lib/app.py')?.equals(AWKWARD)).to.equal(true);
    expect(fake.dirs.has('lib')).to.equal(true);
    expect(fake.mainRuns).to.equal(1);
    expect(fake.mode).to.equal('app');
    expect(log.at(-1)).to.equal('soft reset: main.py starts');
  });

  it('leaves main.py alone with run: false', async () => {
    const [host, dev] = bytePair();
    const fake = new FakeMicroPython(dev);
    await deployOver(host, [{ local: 'a.py', remote: 'main.py', data: Buffer.from('x=1\n') }], {
      board: 'b1',
      timeoutMs: 2000,
      run: false,
    });
    expect(fake.mainRuns).to.equal(0);
    expect(fake.mode).to.equal('friendly');
  });
});
