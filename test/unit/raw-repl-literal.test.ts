import { expect } from 'chai';
import fc from 'fast-check';
import { fileSpec } from '../../harness/deploy/deploy.js';
import { parsePyBytes, pyBytes, pyStr, splitForLiterals } from '../../harness/deploy/py-literal.js';

describe('raw REPL: Python literals', () => {
  it('writes bytes as an ASCII-only literal that reads back the same', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const lit = pyBytes(data);
        expect(lit).to.match(/^b'[\x20-\x7e]*'$/);
        expect(parsePyBytes(lit).equals(Buffer.from(data))).to.equal(true);
      }),
    );
  });

  it('escapes what Python would misread', () => {
    expect(pyBytes(Buffer.from("a'b\\c\n\r\t\x00\xff", 'latin1'))).to.equal(
      "b'a\\'b\\\\c\\n\\r\\t\\x00\\xff'",
    );
  });

  it('reads what MicroPython repr() prints, in either quote', () => {
    expect(parsePyBytes(`b"it's"`).toString()).to.equal("it's");
    expect(parsePyBytes("b''").length).to.equal(0);
    expect(() => parsePyBytes('None')).to.throw(/not a bytes literal/);
  });

  it('cuts data so that no literal is longer than asked, and loses nothing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 7, max: 80 }), (data, max) => {
        const pieces = splitForLiterals(data, max);
        for (const p of pieces) {
          expect(p.length).to.be.greaterThan(0);
          expect(pyBytes(p).length).to.be.at.most(max);
        }
        expect(Buffer.concat(pieces).equals(Buffer.from(data))).to.equal(true);
      }),
    );
  });

  it('quotes file names, keeping non-ASCII as it is', () => {
    expect(pyStr("lib/it's.py")).to.equal("'lib/it\\'s.py'");
    expect(pyStr('données.py')).to.equal("'données.py'");
  });

  it('takes FILE or FILE:REMOTE on the command line', () => {
    expect(fileSpec('fixtures/micropython/hil_agent.py')).to.deep.equal({
      local: 'fixtures/micropython/hil_agent.py',
      remote: 'hil_agent.py',
    });
    expect(fileSpec('apps/app_console.py:main.py')).to.deep.equal({
      local: 'apps/app_console.py',
      remote: 'main.py',
    });
    expect(fileSpec('lib.py:lib/umqtt/x.py').remote).to.equal('lib/umqtt/x.py');
  });
});
