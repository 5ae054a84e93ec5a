import { expect } from 'chai';
import fc from 'fast-check';
import {
  type BoardEvent,
  decodeLine,
  decodeOp,
  encodeEvent,
  encodeOp,
  type HostOp,
  MAX_LINE,
  PREFIX,
} from '../../harness/board/protocol.js';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const int = fc.integer({ min: 0, max: 2 ** 30 });

const eventArb: fc.Arbitrary<BoardEvent> = fc.oneof(
  fc.record({
    ev: fc.constant('hello' as const),
    agent: fc.constant('1'),
    board: text,
    fw: text,
    boot: fc.oneof(int, text),
    t: int,
  }),
  fc.record({ ev: fc.constant('emitted' as const), id: text, cls: text, t: int }),
  fc.record({ ev: fc.constant('published' as const), id: text }),
  fc.record({ ev: fc.constant('dropped' as const), id: text, why: text }),
  fc.record(
    { ev: fc.constant('received' as const), id: text, cls: text, seq: int, t: int, epoch: int },
    { requiredKeys: ['ev', 'id', 'cls', 'seq', 't'] },
  ),
  fc.record({
    ev: fc.constant('mqtt' as const),
    state: fc.constantFrom('connecting' as const, 'connected' as const, 'disconnected' as const),
  }),
  fc.record({ ev: fc.constant('net' as const), state: fc.constantFrom('up' as const, 'down' as const) }),
  fc.record({ ev: fc.constant('error' as const), msg: text }),
);

const opArb: fc.Arbitrary<HostOp> = fc.oneof(
  fc.record({ op: fc.constant('hello' as const), run: text }),
  fc.record({ op: fc.constant('config' as const), broker: text, topic: text, client_id: text }),
  fc.record({ op: fc.constant('emit' as const), cls: text, id: text }),
  fc.record({ op: fc.constant('wifi' as const), up: fc.boolean() }),
  fc.record({ op: fc.constant('reset' as const) }),
);

describe('agent protocol codec', () => {
  it('never throws on arbitrary text, with or without the prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.boolean(), (s, prefixed) => {
        const d = decodeLine(prefixed ? PREFIX + s : s);
        expect(['event', 'console', 'malformed']).to.include(d.type);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on any JSON after the prefix, and only well-formed events decode as events', () => {
    fc.assert(
      fc.property(fc.json(), (json) => {
        const d = decodeLine(PREFIX + json);
        if (d.type === 'event') {
          expect(d.event).to.be.an('object');
          expect(d.event.ev).to.be.a('string');
        } else expect(d.type).to.equal('malformed');
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on objects that look almost like events', () => {
    const almost = fc.record(
      {
        ev: fc.oneof(
          fc.constantFrom('hello', 'emitted', 'published', 'dropped', 'received', 'mqtt', 'net', 'error'),
          fc.jsonValue(),
        ),
        id: fc.jsonValue(),
        cls: fc.jsonValue(),
        t: fc.jsonValue(),
        boot: fc.jsonValue(),
        state: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(almost, (o) => {
        const d = decodeLine(PREFIX + JSON.stringify(o));
        expect(['event', 'malformed']).to.include(d.type);
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every event through encodeEvent and decodeLine', () => {
    fc.assert(
      fc.property(eventArb, (ev) => {
        const line = encodeEvent(ev);
        expect(line.endsWith('\n')).to.equal(true);
        expect(line.slice(0, -1)).to.not.include('\n');
        const d = decodeLine(line.slice(0, -1));
        expect(d).to.deep.equal({ type: 'event', event: ev });
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips every host op through encodeOp and decodeOp', () => {
    fc.assert(
      fc.property(opArb, (op) => {
        expect(decodeOp(encodeOp(op))).to.deep.equal(op);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps a trailing carriage return out of the decoded line', () => {
    expect(decodeLine('hello world\r')).to.deep.equal({ type: 'console', line: 'hello world' });
    const d = decodeLine(`${PREFIX}{"ev":"published","id":"a"}\r`);
    expect(d).to.deep.equal({ type: 'event', event: { ev: 'published', id: 'a' } });
  });

  it('finds a protocol line behind console noise printed without a newline', () => {
    const d = decodeLine(`>>> ${PREFIX}{"ev":"net","state":"down"}`);
    expect(d).to.deep.equal({ type: 'event', event: { ev: 'net', state: 'down' } });
  });

  it('says why a protocol line is malformed', () => {
    const why = (s: string) => {
      const d = decodeLine(s);
      return d.type === 'malformed' ? d.why : d.type;
    };
    expect(why(`${PREFIX}{"ev":"emitted","id":`)).to.equal('invalid JSON');
    expect(why(`${PREFIX}[1]`)).to.equal('not a JSON object');
    expect(why(`${PREFIX}{"ev":"bogus"}`)).to.match(/unknown event/);
    expect(why(`${PREFIX}{"ev":"emitted","id":1,"cls":"b","t":0}`)).to.match(/field id must be a string/);
    expect(why(`${PREFIX}{"ev":"mqtt","state":"sleeping"}`)).to.match(/unknown state/);
    expect(why(`${PREFIX}${'x'.repeat(MAX_LINE)}`)).to.match(/longer than/);
  });

  it('rejects host ops that are not protocol lines', () => {
    for (const s of [
      '',
      'hello',
      `${PREFIX}`,
      `${PREFIX}{`,
      `${PREFIX}null`,
      `${PREFIX}{"run":"x"}`,
      '\x00\xff',
    ])
      expect(decodeOp(s)).to.equal(undefined);
  });
});
