import { expect } from 'chai';
import { hil } from './hil-bin.js';

describe('hil validate (the bin)', () => {
  it('passes the shipped rack and suite with exit 0', async () => {
    const r = await hil(['validate']);
    expect(r.stderr).to.equal('');
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^ok: boards\.yml \(4 boards\), [0-9]+ scenario\(s\)/);
  });

  it('prints every error as file:line:col: message and exits 2', async () => {
    const r = await hil([
      'validate',
      '--boards',
      'fixtures/invalid/boards-broken.yml',
      'fixtures/invalid/scenario-broken.yml',
    ]);
    expect(r.code).to.equal(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).to.equal('21 error(s) in 2 file(s)');
    for (const line of lines.slice(0, -1))
      expect(line).to.match(/^fixtures\/invalid\/[a-z-]+\.yml:[0-9]+:[0-9]+: /);
    expect(lines).to.include(
      'fixtures/invalid/boards-broken.yml:5:3: unknown key "mange" (did you mean "manage"?)',
    );
  });

  it('exits 2 on a missing file and on an unknown flag', async () => {
    const missing = await hil(['validate', 'no-such.yml']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('no-such.yml:1:1: no such file or directory');
    const flag = await hil(['validate', '--bords', 'x']);
    expect(flag.code).to.equal(2);
    expect(flag.stderr).to.match(/unknown option '--bords'/);
  });
});
