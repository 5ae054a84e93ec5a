import { expect } from 'chai';
import { XMLParser } from 'fast-xml-parser';
import { check } from '../../harness/checker/check.js';
import type { History } from '../../harness/history/ops.js';
import { timelineModel } from '../../harness/report/timeline-model.js';
import { BAND_COLOR, OUTCOME_COLOR, timelineSvg } from '../../harness/report/timeline-svg.js';
import type { ScenarioSpec } from '../../harness/spec/types.js';
import { drop, type HistoryBuilder, history, mustDeliver, retryWithin } from './checker-history-builder.js';
import { robustHistory, scenarioSpec, wifiDropScenario } from './report-fixtures.js';
import { assertWellFormed } from './report-xml-check.js';

interface El {
  tag: string;
  attrs: Record<string, string>;
  text: string;
  children: El[];
}

/** The SVG as a tree of elements (document order kept), for counting marks by class. */
function parseSvg(svg: string): El {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    attributesGroupName: ':@',
    preserveOrder: true,
    parseAttributeValue: false,
    parseTagValue: false,
  });
  const toEl = (node: Record<string, unknown>): El | undefined => {
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (!tag || tag === '#text' || tag === '?xml') return undefined;
    const kids = (node[tag] as Array<Record<string, unknown>>) ?? [];
    return {
      tag,
      attrs: (node[':@'] as Record<string, string>) ?? {},
      text: kids
        .filter((k) => '#text' in k)
        .map((k) => String(k['#text']))
        .join(''),
      children: kids.map(toEl).filter((e): e is El => e !== undefined),
    };
  };
  const roots = (parser.parse(svg) as Array<Record<string, unknown>>).map(toEl).filter(Boolean) as El[];
  return roots[0]!;
}

function all(root: El, pred: (e: El) => boolean): El[] {
  const out: El[] = [];
  const walk = (e: El) => {
    if (pred(e)) out.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return out;
}

const hasClass = (c: string) => (e: El) => (e.attrs.class ?? '').split(' ').includes(c);
const titleOf = (e: El) => e.children.find((c) => c.tag === 'title')?.text ?? '';

function render(
  h: HistoryBuilder,
  spec: ScenarioSpec,
  over: Partial<History> = {},
): { svg: string; root: El } {
  const built = h.build({ scenario: spec.name, board: h.board, firmware: 'app-umqtt-robust', ...over });
  const svg = timelineSvg(built, check(built, spec), spec);
  assertWellFormed(svg);
  return { svg, root: parseSvg(svg) };
}

describe('report: timeline SVG', () => {
  const wifi = wifiDropScenario();
  const robust = render(robustHistory(), wifi, { model: 'robust' });
  const marks = all(robust.root, hasClass('msg'));
  const mark = (id: string) => {
    const m = marks.find((e) => e.attrs['data-id'] === id);
    if (!m) throw new Error(`no mark for ${id}`);
    return m;
  };

  it('is a well-formed SVG about 1000 px wide whose height follows the number of classes', () => {
    expect(robust.root.tag).to.equal('svg');
    expect(robust.root.attrs.width).to.equal('1000');
    const one = render(
      history('b').msg('button', 'b-1', 10, { at: [10.1] }),
      scenarioSpec({ button: drop() }),
    );
    expect(Number(robust.root.attrs.height)).to.be.greaterThan(Number(one.root.attrs.height) + 3 * 40);
  });

  it('has the board, scenario and verdict as its title', () => {
    expect(titleOf(robust.root)).to.equal('wifi-drop-20s on sim-robust: fail');
    const verdict = all(robust.root, hasClass('verdict'))[0]!;
    expect(verdict.attrs['data-verdict']).to.equal('fail');
    expect(robust.svg).to.include('>FAIL</text>');
    expect(robust.svg).to.include('firmware app-umqtt-robust, model robust');
  });

  it('draws one band per fault interval, by kind: outage, degradation, instant', () => {
    const bands = all(robust.root, (e) => (e.attrs.class ?? '').startsWith('band '));
    expect(bands.map((b) => [b.attrs['data-fault'], b.attrs['data-effect']])).to.deep.equal([
      ['wifi-outage', 'down'],
      ['broker-outage', 'down'],
      ['latency', 'degraded'],
      ['reset', 'instant'],
    ]);
    const [wifiBand, , latency, reset] = bands;
    expect(wifiBand!.attrs.fill).to.equal(BAND_COLOR.down);
    expect(latency!.attrs.fill).to.equal(BAND_COLOR.degraded);
    expect(reset!.tag).to.equal('line');
    expect(wifiBand!.attrs['data-start']).to.equal('8000');
    expect(wifiBand!.attrs['data-end']).to.equal('28020');
    // Labelled with the kind and its length.
    expect(robust.svg).to.include('>wifi-outage 20s</text>');
    expect(robust.svg).to.include('>latency 10s</text>');
  });

  it('draws one mark per message at its emit time, coloured by its outcome', () => {
    const emits = robustHistory().ops.filter((o) => o.kind === 'emit').length;
    expect(marks).to.have.length(emits);
    const expectations: Array<[string, keyof typeof OUTCOME_COLOR]> = [
      ['sim-robust-button-1', 'late'],
      ['sim-robust-button-2', 'ok'],
      ['sim-robust-alarm-1', 'ok'],
      ['sim-robust-telemetry-4', 'lost'],
      ['sim-robust-telemetry-5', 'blocked'],
      ['sim-robust-telemetry-32', 'duplicate'],
      ['sim-robust-command-2', 'lost'],
      ['sim-robust-command-4', 'ok'],
      ['sim-robust-command-10', 'broker'],
    ];
    for (const [id, outcome] of expectations) {
      expect(mark(id).attrs['data-outcome'], id).to.equal(outcome);
      expect(mark(id).attrs.fill, id).to.equal(OUTCOME_COLOR[outcome]);
    }
    // x of the emit: t = 10 s of 120 s on the plot.
    const x10 = Number(mark('sim-robust-button-1').attrs.cx);
    const x40 = Number(mark('sim-robust-button-3').attrs.cx);
    expect(x40 - x10).to.be.closeTo((x10 - Number(mark('sim-robust-telemetry-1').attrs.cx)) * (30 / 8), 0.5);
  });

  it('rings the messages a failing reason names, and only those', () => {
    const blamed = marks.filter((m) => m.attrs['data-blamed'] === 'true').map((m) => m.attrs['data-id']);
    expect(blamed).to.deep.equal(['sim-robust-button-1']);
    expect(titleOf(mark('sim-robust-button-1'))).to.equal(
      'button sim-robust-button-1: emitted 10.00s, noticed 28.50s, delivered 28.60s, deadline 25.00s: late (stale)',
    );
  });

  it('draws a thin line from emit to first delivery and a deadline tick per retry-within message', () => {
    const waits = all(robust.root, hasClass('wait'));
    const delivered = marks.filter((m) =>
      ['ok', 'late', 'duplicate'].includes(m.attrs['data-outcome'] ?? ''),
    );
    expect(waits).to.have.length(delivered.length);
    expect(all(robust.root, hasClass('deadline'))).to.have.length(3 + 17);
    expect(all(robust.root, hasClass('copy'))).to.have.length(delivered.length + 1);
  });

  it('marks mqtt state, boots and tracebacks on the board row', () => {
    const states = all(robust.root, hasClass('mqtt')).map((e) => e.attrs['data-state']);
    expect(states.slice(0, 4)).to.deep.equal(['connected', 'disconnected', 'connecting', 'connected']);
    const health = all(robust.root, hasClass('health-mark'));
    expect(health.map((h) => h.attrs['data-kind'])).to.deep.equal(['traceback']);
    expect(titleOf(health[0]!)).to.equal('traceback at 50.15s: OSError: [Errno 104] ECONNRESET');
  });

  it('labels the time axis in seconds from 0 to the end', () => {
    const labels = all(robust.root, (e) => e.tag === 'text' && /^\d+(\.\d)?s$/.test(e.text)).map(
      (e) => e.text,
    );
    expect(labels.slice(0, 3)).to.deep.equal(['0s', '10s', '20s']);
    expect(labels).to.include('120s');
    expect(robust.svg).to.include('drain →');
  });

  it('shows dropped messages and unknown ids', () => {
    const h = history('b')
      .msg('alarm', 'a-1', 10, { accepted: null })
      .dropped(11, 'a-1', 'queue full')
      .delivered(20, 'ghost', { cls: 'alarm' });
    const { root } = render(h, scenarioSpec({ alarm: mustDeliver() }));
    const ms = all(root, hasClass('msg'));
    expect(ms.map((m) => [m.attrs['data-id'], m.attrs['data-outcome'], m.attrs.fill])).to.deep.equal([
      ['a-1', 'dropped', OUTCOME_COLOR.dropped],
      ['ghost', 'unknown', OUTCOME_COLOR.unknown],
    ]);
  });

  it('draws a flap as a bracket over its outages, a reboot down until reconnected, a fault that never ended to the end', () => {
    const h = history('b')
      .msg('button', 'b-1', 5, { at: [5.1] })
      .fault(10, 30, 'flap', false)
      .fault(10, 13)
      .fault(18, 21)
      .reboot(40, 44)
      .fault(100, undefined, 'broker-outage');
    const { root, svg } = render(h, scenarioSpec({ button: retryWithin(15_000) }));
    const bands = all(root, (e) => (e.attrs.class ?? '').startsWith('band '));
    expect(
      bands.map((b) => [b.attrs['data-fault'], b.attrs['data-effect'], b.attrs['data-end']]),
    ).to.deep.equal([
      ['flap', 'span', '30000'],
      ['wifi-outage', 'down', '13000'],
      ['wifi-outage', 'down', '21000'],
      ['reboot', 'reboot', '44000'],
      ['broker-outage', 'down', '120000'],
    ]);
    expect(svg).to.include('>broker-outage 20s, never ended</text>');
    expect(all(root, hasClass('health-mark')).map((e) => e.attrs['data-kind'])).to.deep.equal(['boot']);
  });

  it('escapes names, ids and reasons', () => {
    const spec = scenarioSpec({ 'b<&>"': retryWithin(15_000) }, { name: `s<"&'>` });
    const h = history('x&y').msg('b<&>"', `id<"'&>\x1b`, 10, { at: [30] });
    const { root } = render(h, spec, { firmware: 'fw<1>' });
    expect(titleOf(root)).to.equal(`s<"&'> on x&y: fail`);
    const m = all(root, hasClass('msg'))[0]!;
    expect(m.attrs['data-id']).to.equal(`id<"'&>\\x1b`);
    expect(m.attrs['data-outcome']).to.equal('late');
  });

  it('marks where the serial port was away, and whether it came back', () => {
    const away = (t: number) => ({
      t,
      kind: 'port-away' as const,
      board: 'b',
      msg: 'b: serial port /dev/ttyACM0 went away',
    });
    const h = history('b')
      .push(away(10_000))
      .push({ t: 11_500, kind: 'port-back', board: 'b', awayMs: 1500, at: '/dev/ttyACM1' })
      .push(away(50_000));
    const { root } = render(h, scenarioSpec({ button: retryWithin(15_000) }));
    const marks = all(root, hasClass('health-mark'));
    expect(marks.map((e) => [e.attrs['data-kind'], titleOf(e)])).to.deep.equal([
      ['away', 'serial port away at 10.00s, back at 11.50s (/dev/ttyACM1)'],
      ['away', 'serial port away at 50.00s, not back: b: serial port /dev/ttyACM0 went away'],
    ]);
  });

  it('shows an empty history without failing to draw', () => {
    const spec = scenarioSpec({ button: retryWithin(15_000) });
    const { root } = render(history('b'), spec, { end: 0, duration: 0, drain: 0 });
    expect(all(root, hasClass('msg'))).to.have.length(0);
    expect(all(root, hasClass('verdict'))[0]!.attrs['data-verdict']).to.equal('error');
  });
});

describe('report: timeline model from verdict data', () => {
  const spec = scenarioSpec({ button: retryWithin(15_000) });

  it('marks a traceback cut short by a panic or a reset as such, never with the next line as its exception', () => {
    const h = history('b')
      .msg('button', 'b-1', 10, { at: [10.1] })
      .push({
        t: 20_000,
        kind: 'traceback',
        board: 'b',
        line: '  File "main.py", line 3',
        cut: 'abort() was called at PC 0x400d2f0b on core 1',
      })
      .push({ t: 40_000, kind: 'traceback', board: 'b', line: 'Traceback (most recent call last):' })
      .serial(40, 'rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)')
      .serial(40.1, 'OSError: not the exception')
      .build({ scenario: spec.name, board: 'b', firmware: 'fw' });
    const marks = timelineModel(h, check(h, spec), spec).health.map((m) => m.text);
    expect(marks).to.deep.equal([
      'traceback at 20.00s: cut short by a C-level panic (no exception line): abort() was called at PC 0x400d2f0b on core 1',
      'traceback at 40.00s: cut short by a reset (no exception line): rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)',
    ]);
  });

  const built = history('b')
    .msg('button', 'b-1', 10, { at: [30] })
    .msg('button', 'b-2', 20, { at: [20.1] })
    .build({ scenario: spec.name, board: 'b', firmware: 'fw' });

  it('rings what the verdict blames, without reading its text', () => {
    const v = check(built, spec);
    // The wording is gone and the blame moved: the timeline follows the data, not the prose.
    const cv = v.classes[0]!;
    const edited = {
      ...v,
      classes: [
        {
          ...cv,
          reasons: [],
          messages: cv.messages.map((m) => ({ ...m, blamed: m.id === 'b-2' })),
        },
      ],
    };
    const row = timelineModel(built, edited, spec).classes[0]!;
    expect(row.messages.map((m) => [m.id, m.outcome, m.blamed, m.deadline])).to.deep.equal([
      ['b-1', 'late', false, 25_000],
      ['b-2', 'ok', true, 35_000],
    ]);
    expect(row.policy).to.equal('retry-within 15s');
    expect(row.counts).to.equal('button (fail): 2 emitted: 2 delivered, 1 late');
  });

  it('takes labels and deadlines from the verdict, not the scenario', () => {
    const v = check(built, spec);
    const relabelled = {
      ...v,
      classes: v.classes.map((c) => ({ ...c, label: 'as the checker said', messages: [] })),
    };
    const other = scenarioSpec({ button: mustDeliver() });
    const row = timelineModel(built, relabelled, other).classes[0]!;
    expect(row.policy).to.equal('as the checker said');
    expect(row.messages).to.deep.equal([]);
  });
});
