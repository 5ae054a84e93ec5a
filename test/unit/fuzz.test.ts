import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { expect } from 'chai';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { LineSplitter } from '../../harness/board/line-splitter.js';
import { decodeLine, MAX_LINE } from '../../harness/board/protocol.js';
import type { Diagnostic } from '../../harness/config/diagnostics.js';
import { parseBoards } from '../../harness/config/load-boards.js';
import { parseScenario } from '../../harness/config/load-scenario.js';
import { YamlSource } from '../../harness/config/yaml-source.js';
import { RawRepl } from '../../harness/deploy/raw-repl.js';
import { HilError } from '../../harness/spec/errors.js';

/**
 * Bad input in bulk: whatever a board prints or a person writes, hil answers with a clear
 * error, never a crash or a hang. Bounded in runs and time, so CI stays fast.
 */
const BUDGET = { numRuns: 200, interruptAfterTimeLimit: 8_000 };

/** A diagnostic a person can act on: a position inside the file and a message. */
function readable(d: Diagnostic, lines: number): void {
  expect(d.line, JSON.stringify(d)).to.be.within(1, Math.max(1, lines + 1));
  expect(d.col, JSON.stringify(d)).to.be.at.least(1);
  expect(d.message.trim(), JSON.stringify(d)).to.not.equal('');
}

type Parser = typeof parseBoards | typeof parseScenario;

/** Parses `text` as the file `name`; every outcome is a value or at least one readable diagnostic. */
function load(parser: Parser, name: string, text: string): void {
  const lines = text.split('\n').length;
  const { source, diagnostics } = YamlSource.parse(name, text);
  for (const d of diagnostics) readable(d, lines);
  if (diagnostics.length) return;
  const loaded = parser(source);
  for (const d of loaded.diagnostics) readable(d, lines);
  expect(loaded.value !== undefined || loaded.diagnostics.length > 0).to.equal(true);
}

/** Any JSON-able value, the kind a YAML key can hold. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }),
);

/** Replaces the value at a random path of `doc` by `value` (or deletes it). */
function mutate(doc: unknown, picks: number[], value: unknown, remove: boolean): unknown {
  const root = structuredClone(doc);
  let node: unknown = root;
  for (const pick of picks) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[pick % keys.length] as string;
    const child = (node as Record<string, unknown>)[key];
    const last = typeof child !== 'object' || child === null || pick % 3 === 0;
    if (last) {
      if (remove) delete (node as Record<string, unknown>)[key];
      else (node as Record<string, unknown>)[key] = value;
      break;
    }
    node = child;
  }
  return root;
}

describe('fuzz: bad input in bulk never crashes hil', () => {
  describe('YAML loaders', () => {
    const shipped: Array<[Parser, string, string]> = [
      [parseBoards, 'boards.yml', readFileSync('boards.yml', 'utf8')],
      [parseBoards, 'real-rack.yml', readFileSync('fixtures/boards/real-rack.yml', 'utf8')],
      [parseScenario, 'wifi-drop-20s.yml', readFileSync('scenarios/wifi-drop-20s.yml', 'utf8')],
      [parseScenario, 'flapping-link.yml', readFileSync('scenarios/flapping-link.yml', 'utf8')],
      [parseScenario, 'broker-restart-clean.yml', readFileSync('scenarios/broker-restart-clean.yml', 'utf8')],
    ];

    it('any text: a value, or errors with a line, a column and a message', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.boolean(), (text, asBoards) => {
          load(asBoards ? parseBoards : parseScenario, asBoards ? 'boards.yml' : 's.yml', text);
        }),
        BUDGET,
      );
    });

    it('the shipped files with one value changed or removed anywhere: the same', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...shipped),
          fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
          anyValue,
          fc.boolean(),
          ([parser, name, text], picks, value, remove) => {
            const changed = mutate(parse(text), picks, value, remove);
            load(parser, name, stringify(changed));
          },
        ),
        BUDGET,
      );
    });

    it('the shipped files cut anywhere: the same', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...shipped),
          fc.double({ min: 0, max: 1 }),
          ([parser, name, text], at) => {
            load(parser, name, text.slice(0, Math.floor(text.length * at)));
          },
        ),
        BUDGET,
      );
    });
  });

  describe('serial decoder', () => {
    const bytes = fc.uint8Array({ maxLength: 600 });
    /** Bytes a board may print: protocol lines, noise, CR/LF, NULs, invalid UTF-8, long runs. */
    const boardBytes = fc
      .array(
        fc.oneof(
          bytes,
          fc
            .constantFrom('@hil ', '\r\n', '\n', '\x00', '\xff', '{"ev":"hello"', 'Traceback')
            .map((s) => Buffer.from(s, 'latin1')),
          fc.json().map((j) => Buffer.from(`@hil ${j}\n`)),
          fc.nat({ max: 3 * MAX_LINE }).map((n) => Buffer.alloc(n, 0x41)),
        ),
        { maxLength: 12 },
      )
      .map((parts) => Buffer.concat(parts));

    it('splits any bytes into lines no longer than the cap, and decodes each without throwing', () => {
      fc.assert(
        fc.property(boardBytes, (data) => {
          const splitter = new LineSplitter();
          for (const line of splitter.push(data)) {
            expect(Buffer.byteLength(line.text)).to.be.at.most(MAX_LINE * 3);
            const d = decodeLine(line.text);
            expect(['event', 'console', 'malformed']).to.include(d.type);
          }
        }),
        BUDGET,
      );
    });

    it('gives the same lines however the bytes are chunked', () => {
      fc.assert(
        fc.property(boardBytes, fc.array(fc.nat(), { maxLength: 8 }), (data, cuts) => {
          const whole = new LineSplitter().push(data);
          const split = new LineSplitter();
          const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const pieces = [0, ...at, data.length]
            .slice(1)
            .map((end, i, ends) => data.subarray(i ? ends[i - 1] : 0, end));
          const chunked = pieces.flatMap((p) => split.push(p));
          expect(chunked).to.deep.equal(whole);
        }),
        BUDGET,
      );
    });
  });

  describe('raw REPL reader', () => {
    /** A board that answers every write with the next of `answers` (then nothing). */
    function babbler(answers: Buffer[]): Duplex {
      let i = 0;
      const board: Duplex = new Duplex({
        read() {},
        write(_chunk, _enc, cb) {
          const next = answers[i++];
          if (next) setImmediate(() => board.push(next));
          cb();
        },
      });
      return board;
    }

    it('answers garbage with a HilError within its timeout, never a crash or a hang', async () => {
      const answer = fc.oneof(
        fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)),
        fc
          .constantFrom(
            'raw REPL; CTRL-B to exit\r\n>',
            'OK',
            '\x04',
            '\x04>',
            'R\x01',
            'R\x00',
            'ra',
            '\x01',
          )
          .map((s) => Buffer.from(s, 'latin1')),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(answer, { maxLength: 10 }), async (answers) => {
          const repl = new RawRepl(babbler(answers), { board: 'fuzz', timeoutMs: 40, pieceDelayMs: 0 });
          try {
            await repl.enter();
            await repl.exec('print(1)');
          } catch (err) {
            expect(err, String(err)).to.be.instanceOf(HilError);
            expect((err as HilError).message).to.match(/^fuzz/);
          } finally {
            repl.detach();
          }
        }),
        { numRuns: 60, interruptAfterTimeLimit: 8_000 },
      );
    });
  });
});
