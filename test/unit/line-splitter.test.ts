import { expect } from 'chai';
import fc from 'fast-check';
import { LineSplitter } from '../../harness/board/line-splitter.js';

const texts = (s: LineSplitter, ...chunks: (string | Buffer)[]) =>
  chunks.flatMap((c) => s.push(c).map((l) => l.text));

describe('line splitter', () => {
  it('joins a line that arrives in pieces and drops CR before LF', () => {
    const s = new LineSplitter();
    expect(texts(s, '@hil {"ev":', '"published",', '"id":"a"}\r')).to.deep.equal([]);
    expect(texts(s, '\nnext\r\nthird\n')).to.deep.equal([
      '@hil {"ev":"published","id":"a"}',
      'next',
      'third',
    ]);
    expect(s.pending).to.equal(0);
  });

  it('keeps an empty line and a bare CR inside a line', () => {
    const s = new LineSplitter();
    expect(texts(s, '\n\r\na\rb\n')).to.deep.equal(['', '', 'a\rb']);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('température 25°C\n', 'utf8');
    const at = bytes.indexOf(0xc3) + 1; // inside "é"
    const lines = [...s.push(bytes.subarray(0, at)), ...s.push(bytes.subarray(at))];
    expect(lines).to.deep.equal([{ text: 'température 25°C', cut: false, binary: false }]);
  });

  it('flags invalid UTF-8 and NULs as binary without throwing', () => {
    const s = new LineSplitter();
    const [a, b] = s.push(Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0x42, 0x00, 0x43, 0x0a]));
    expect(a?.binary).to.equal(true);
    expect(a?.text).to.equal('\uFFFD\uFFFDA');
    expect(b).to.deep.equal({ text: 'B\uFFFDC', cut: false, binary: true });
  });

  it('cuts an over-long line at the cap, hands out its head once and drops the rest', () => {
    const s = new LineSplitter(16);
    const out = [
      ...s.push('0123456789'),
      ...s.push('abcdefghij'),
      ...s.push('ZZZZZZZZ'),
      ...s.push('Z\nok\n'),
    ];
    expect(out).to.deep.equal([
      { text: '0123456789abcdef', cut: true, binary: false },
      { text: 'ok', cut: false, binary: false },
    ]);
  });

  it('never holds more than the cap, however long a line without newline grows', () => {
    const s = new LineSplitter(1024);
    let cut = 0;
    for (let i = 0; i < 1000; i++) {
      cut += s.push(Buffer.alloc(4096, 0x41)).filter((l) => l.cut).length;
      expect(s.pending).to.be.at.most(1024);
    }
    expect(cut).to.equal(1);
    expect(texts(s, 'tail\nfresh\n')).to.deep.equal(['fresh']);
  });

  it('does not cut a multi-byte character in half at the cap', () => {
    const s = new LineSplitter(5);
    const [l] = s.push('abcd€€€\n'); // € is 3 bytes: the cap falls inside the first one
    expect(l).to.deep.equal({ text: 'abcd', cut: true, binary: false });
  });

  it('accepts a line of exactly the cap', () => {
    const s = new LineSplitter(4);
    expect(texts(s, 'abcd', '\n')).to.deep.equal(['abcd']);
  });

  it('hands out the unfinished line on flush', () => {
    const s = new LineSplitter();
    expect(texts(s, 'a\n>>> ')).to.deep.equal(['a']);
    expect(s.flush()?.text).to.equal('>>> ');
    expect(s.flush()).to.equal(undefined);
  });

  it('splits the same lines however the bytes are chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 30 }), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 10 }),
        (lines, sizes) => {
          const bytes = Buffer.from(lines.map((l) => `${l.replaceAll('\n', ' ')}\n`).join(''), 'utf8');
          const whole = new LineSplitter(64).push(bytes);
          const s = new LineSplitter(64);
          const pieces = [];
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const n = sizes[i % sizes.length] as number;
            pieces.push(...s.push(bytes.subarray(at, at + n)));
            at += n;
          }
          expect(pieces).to.deep.equal(whole);
          expect(whole.length).to.equal(lines.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
