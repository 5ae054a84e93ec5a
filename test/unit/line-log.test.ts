import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { FLUSH_EVERY_MS, LineLog } from '../../harness/scenario/line-log.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LineLog: a log written as lines arrive', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-line-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file at once, and writes lines within the flush interval, one write per interval', async () => {
    const path = join(dir, 'a.log');
    const log = new LineLog(path);
    expect(readFileSync(path, 'utf8')).to.equal('');
    log.write('one');
    log.write('two');
    // Held in memory for now: no write per line.
    expect(readFileSync(path, 'utf8')).to.equal('');
    await sleep(FLUSH_EVERY_MS + 50);
    expect(readFileSync(path, 'utf8')).to.equal('one\ntwo\n');
    log.write('three');
    log.close();
    expect(readFileSync(path, 'utf8')).to.equal('one\ntwo\nthree\n');
  });

  it('flushes every log on one timer, and keeps UTF-8 whole', async () => {
    const a = new LineLog(join(dir, 'a.log'));
    const b = new LineLog(join(dir, 'b.log'));
    a.write('é ✓ 🙂');
    b.write('b');
    await sleep(FLUSH_EVERY_MS + 50);
    expect(readFileSync(join(dir, 'a.log'), 'utf8')).to.equal('é ✓ 🙂\n');
    expect(readFileSync(join(dir, 'b.log'), 'utf8')).to.equal('b\n');
    a.close();
    b.close();
  });

  it('ignores lines after close; closing twice is safe', () => {
    const path = join(dir, 'a.log');
    const log = new LineLog(path);
    log.write('kept');
    log.close();
    log.write('dropped');
    log.close();
    expect(readFileSync(path, 'utf8')).to.equal('kept\n');
  });

  it('leaves no exit listener behind once every log is closed', () => {
    const before = process.listenerCount('exit');
    const a = new LineLog(join(dir, 'a.log'));
    const b = new LineLog(join(dir, 'b.log'));
    expect(process.listenerCount('exit')).to.equal(before + 1);
    a.close();
    expect(process.listenerCount('exit')).to.equal(before + 1);
    b.close();
    expect(process.listenerCount('exit')).to.equal(before);
  });

  it('tells a write failure once and stops (a full disk never crashes the run)', () => {
    const errors: string[] = [];
    const log = new LineLog('/dev/full', { onError: (err) => errors.push(err.message) });
    log.write('x');
    log.flush();
    log.write('y');
    log.flush();
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/ENOSPC/);
  });
});
