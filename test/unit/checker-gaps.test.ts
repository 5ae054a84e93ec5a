import { expect } from 'chai';
import { findGaps, rangeText, type SeqMark } from '../../harness/checker/gaps.js';

/** `1 2 [3] [4] 5`: bracketed numbers are missing; `e2:` switches epoch. */
function marks(text: string): SeqMark[] {
  let epoch: number | undefined;
  const out: SeqMark[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const e = /^e(\d+):$/.exec(word);
    if (e) {
      epoch = Number(e[1]);
      continue;
    }
    const missing = word.startsWith('[');
    const seq = Number(word.replace(/[[\]]/g, ''));
    out.push(epoch === undefined ? { seq, missing } : { seq, epoch, missing });
  }
  return out;
}

const ranges = (text: string) =>
  findGaps(marks(text)).map((g) => (g.epoch === undefined ? rangeText(g) : `e${g.epoch}:${rangeText(g)}`));

describe('checker gap finder', () => {
  const table: Array<[string, string, string[]]> = [
    ['nothing sent', '', []],
    ['nothing missing', '1 2 3', []],
    ['one in the middle', '1 [2] 3', ['2']],
    ['a range', '1 2 [3] [4] [5] 6', ['3-5']],
    ['the first', '[1] 2 3', ['1']],
    ['the last', '1 2 [3]', ['3']],
    ['all missing', '[1] [2] [3]', ['1-3']],
    ['two ranges', '[1] 2 [3] [4] 5 [6]', ['1', '3-4', '6']],
    ['a number never sent splits a range', '[1] [2] [4] [5]', ['1-2', '4-5']],
    ['a new epoch restarts the numbering', 'e1: 1 [2] [3] e2: [1] [2] 3', ['e1:2-3', 'e2:1-2']],
    ['a range never spans epochs even when numbers follow', 'e1: [1] [2] e2: [3] [4]', ['e1:1-2', 'e2:3-4']],
    ['all missing across two epochs', 'e1: [1] [2] e2: [1] [2]', ['e1:1-2', 'e2:1-2']],
    [
      'an epoch counter that wrapped to a lower number still restarts',
      'e65535: 1 [2] e0: [1] 2',
      ['e65535:2', 'e0:1'],
    ],
    [
      'an epoch coming back after another is a range of its own',
      'e3: [1] e4: [1] e3: [2]',
      ['e3:1', 'e4:1', 'e3:2'],
    ],
    [
      'a sequence that wrapped inside one epoch splits the range',
      'e1: 65534 [65535] [1] [2] 3',
      ['e1:65535', 'e1:1-2'],
    ],
    ['the first and the last of an epoch', 'e9: [1] 2 3 [4]', ['e9:1', 'e9:4']],
  ];
  for (const [what, text, expected] of table) {
    it(`${what}: ${text || '(empty)'} → ${expected.join(', ') || 'no gap'}`, () => {
      expect(ranges(text)).to.deep.equal(expected);
    });
  }

  it('points back at the marks of each range', () => {
    expect(findGaps(marks('1 [2] [3] 4'))).to.deep.equal([{ from: 2, to: 3, first: 1, last: 2 }]);
  });
});
