import { outcomeText } from '../checker/prose.js';
import type { BoardVerdict, Verdict } from '../checker/verdict.js';
import type { History } from '../history/ops.js';
import type { ScenarioSpec } from '../spec/types.js';
import { VERDICT_WORD } from './parts.js';
import {
  type BandEffect,
  type FaultBand,
  type HealthMark,
  type MessageMark,
  type MqttSpan,
  OUTCOMES,
  type Outcome,
  type TimelineModel,
  timelineModel,
} from './timeline-model.js';
import { xmlAttr, xmlText } from './xml.js';

export const OUTCOME_COLOR: Record<Outcome, string> = {
  ok: '#2ca02c',
  late: '#ff7f0e',
  duplicate: '#1f77b4',
  lost: '#d62728',
  broker: '#8c564b',
  blocked: '#9467bd',
  dropped: '#8c8c8c',
  unknown: '#111111',
};

export const BAND_COLOR: Record<BandEffect, string> = {
  down: '#7f8fa6',
  reboot: '#7f8fa6',
  degraded: '#f2c14e',
  instant: '#444444',
  span: '#7f8fa6',
};

const VERDICT_COLOR: Record<Verdict, string> = { pass: '#2ca02c', fail: '#d62728', error: '#b8860b' };
const MQTT_COLOR: Record<MqttSpan['state'], string> = {
  connected: '#8fd18f',
  connecting: '#fdc086',
  disconnected: '#e8837f',
};

const W = 1000;
const PAD = 14;
const X0 = 172;
const X1 = W - 22;
const ROW = 46;
const LANE = 14;
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';

/**
 * One board in one scenario, at a glance: time across, faults as shaded bands, one row per
 * traffic class with each message coloured by its fate, the board's health underneath.
 */
export function timelineSvg(history: History, verdict: BoardVerdict, scenario: ScenarioSpec): string {
  return renderTimeline(timelineModel(history, verdict, scenario), scenario);
}

/** Width of a text in px, roughly: enough to keep labels apart. */
function textWidth(s: string, size: number): number {
  return s.length * size * 0.56;
}

const n = (x: number): string => String(Math.round(x * 10) / 10);

export function renderTimeline(m: TimelineModel, scenario: Pick<ScenarioSpec, 'seed'>): string {
  const span = m.end > 0 ? m.end : 1;
  const x = (t: number) => X0 + (Math.min(Math.max(t, 0), span) / span) * (X1 - X0);

  const labels = placeFaultLabels(m.faults, x);
  const laneCount = Math.max(1, ...labels.map((l) => l.lane + 1));
  const faultTop = 62;
  const rowsTop = faultTop + 8 + laneCount * LANE;
  const rowCount = m.classes.length + 1;
  const plotBottom = rowsTop + rowCount * ROW;
  const key = legend(plotBottom + 42);
  const height = key.bottom + 10;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="${FONT}" font-size="11">`,
  );
  out.push(`<title>${xmlText(`${m.scenario} on ${m.board}: ${m.verdict}`)}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${height}" fill="#ffffff"/>`);
  out.push(...header(m, scenario.seed));

  // Row backgrounds, then the grid, then the faults over them, then the marks on top.
  for (let i = 0; i < rowCount; i++) {
    const y = rowsTop + i * ROW;
    out.push(
      `<rect x="${PAD}" y="${y}" width="${X1 - PAD}" height="${ROW}" fill="${i % 2 ? '#ffffff' : '#f6f7f9'}"/>`,
    );
  }
  out.push(...axis(m, x, faultTop, plotBottom));
  out.push('<g class="faults">');
  for (const [i, b] of m.faults.entries()) out.push(...faultBand(b, x, faultTop, plotBottom, labels[i]));
  out.push('</g>');

  m.classes.forEach((row, i) => {
    const top = rowsTop + i * ROW;
    out.push(`<g class="row" data-class="${xmlAttr(row.cls)}">`);
    out.push(...rowLabel(row.cls, row.policy, row.verdict, top, row.counts));
    out.push(...messages(row.messages, x, top + ROW / 2));
    out.push('</g>');
  });
  out.push(...healthRow(m, x, rowsTop + m.classes.length * ROW));
  out.push(
    `<line x1="${X0}" y1="${plotBottom}" x2="${X1}" y2="${plotBottom}" stroke="#333333" stroke-width="1"/>`,
  );
  out.push(...key.svg);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function header(m: TimelineModel, seed: number): string[] {
  const title = `${m.scenario} · ${m.board}`;
  const word = VERDICT_WORD[m.verdict];
  const bx = PAD + textWidth(title, 17) + 12;
  const fw = [`firmware ${m.firmware}`, ...(m.model ? [`model ${m.model}`] : [])].join(', ');
  const drain = m.end > m.duration ? ` + drain to ${secs(m.end)}` : '';
  const sub = `${fw} · timeline ${secs(m.duration)}${drain} · seed ${seed}`;
  return [
    `<text x="${PAD}" y="28" font-size="17" font-weight="bold" fill="#111111">${xmlText(title)}</text>`,
    `<g class="verdict" data-verdict="${m.verdict}"><rect x="${n(bx)}" y="12" width="${n(textWidth(word, 12) + 16)}" height="22" rx="4" fill="${VERDICT_COLOR[m.verdict]}"/>`,
    `<text x="${n(bx + 8)}" y="27.5" font-size="12" font-weight="bold" fill="#ffffff">${word}</text></g>`,
    `<text x="${PAD}" y="48" font-size="11.5" fill="#555555">${xmlText(sub)}</text>`,
  ];
}

function secs(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

const STEPS = [0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600].map((s) => s * 1000);

function axis(m: TimelineModel, x: (t: number) => number, top: number, bottom: number): string[] {
  const span = m.end > 0 ? m.end : 1;
  const step = STEPS.find((s) => span / s <= 14) ?? 3600_000;
  const out = ['<g class="axis">'];
  for (let t = 0; t <= span + 1e-6; t += step) {
    const xx = n(x(t));
    out.push(`<line x1="${xx}" y1="${top}" x2="${xx}" y2="${bottom}" stroke="#e2e4e8" stroke-width="1"/>`);
    out.push(`<line x1="${xx}" y1="${bottom}" x2="${xx}" y2="${bottom + 5}" stroke="#333333"/>`);
    out.push(`<text x="${xx}" y="${bottom + 17}" text-anchor="middle" fill="#333333">${secs(t)}</text>`);
  }
  if (m.duration > 0 && m.duration < span) {
    const xd = n(x(m.duration));
    out.push(
      `<rect x="${xd}" y="${top}" width="${n(x(span) - x(m.duration))}" height="${bottom - top}" fill="#000000" fill-opacity="0.035"/>`,
      `<line x1="${xd}" y1="${top}" x2="${xd}" y2="${bottom}" stroke="#888888" stroke-dasharray="4 3"/>`,
      `<text x="${n(x(m.duration) + 4)}" y="${bottom + 30}" fill="#777777" font-style="italic">drain →</text>`,
    );
  }
  out.push(`<text x="${X0 - 8}" y="${bottom + 17}" text-anchor="end" fill="#777777">t =</text>`);
  out.push('</g>');
  return out;
}

interface FaultLabel {
  lane: number;
  x: number;
  text: string;
}

function faultLabelText(b: FaultBand): string {
  if (b.unseen !== undefined) return `${b.fault} never acted`;
  if (b.effect === 'instant') return b.fault;
  const len = `${secs(b.end - b.start)}${b.open ? ', never ended' : ''}`;
  return `${b.fault} ${len}`;
}

/** Greedy lanes: a label goes on the first line where it clears the one before. */
function placeFaultLabels(faults: readonly FaultBand[], x: (t: number) => number): FaultLabel[] {
  const laneEnds: number[] = [];
  return faults.map((b) => {
    const text = faultLabelText(b);
    const lx = x(b.start) + (b.effect === 'instant' ? 3 : 3);
    const w = textWidth(text, 10.5);
    let lane = laneEnds.findIndex((e) => e < lx - 4);
    if (lane < 0) lane = laneEnds.length;
    laneEnds[lane] = lx + w;
    return { lane, x: lx, text };
  });
}

function faultBand(
  b: FaultBand,
  x: (t: number) => number,
  top: number,
  bottom: number,
  label: FaultLabel | undefined,
): string[] {
  const x1 = x(b.start);
  const x2 = x(b.end);
  const color = BAND_COLOR[b.effect];
  const unseen = b.unseen !== undefined ? `; not seen to act: ${b.unseen}` : '';
  const tip = `<title>${xmlText(`${b.fault}${b.detail ? ` (${b.detail})` : ''}: ${secs(b.start)} to ${b.open ? 'the end (never ended)' : secs(b.end)}${unseen}`)}</title>`;
  const data = `data-fault="${xmlAttr(b.fault)}" data-effect="${b.effect}" data-start="${n(b.start)}" data-end="${n(b.end)}"${b.unseen !== undefined ? ' data-unseen="true"' : ''}`;
  const out: string[] = [];
  const w = Math.max(1.5, x2 - x1);
  switch (b.effect) {
    case 'down':
    case 'degraded':
      out.push(
        `<rect class="band band-${b.effect}" ${data} x="${n(x1)}" y="${top}" width="${n(w)}" height="${bottom - top}" fill="${color}" fill-opacity="${b.effect === 'down' ? 0.3 : 0.3}">${tip}</rect>`,
      );
      break;
    case 'reboot':
      out.push(
        `<g class="band band-reboot" ${data}>${tip}<rect x="${n(x1)}" y="${top}" width="${n(w)}" height="${bottom - top}" fill="${color}" fill-opacity="0.3"/><line x1="${n(x1)}" y1="${top}" x2="${n(x1)}" y2="${bottom}" stroke="#444444" stroke-width="1.5"/></g>`,
      );
      break;
    case 'instant':
      out.push(
        `<line class="band band-instant" ${data} x1="${n(x1)}" y1="${top}" x2="${n(x1)}" y2="${bottom}" stroke="${color}" stroke-width="1.5" stroke-dasharray="5 3">${tip}</line>`,
      );
      break;
    case 'span': {
      // A flap: a bracket in the fault lane; its outages are bands of their own.
      const y = top + 2;
      out.push(
        `<path class="band band-span" ${data} d="M${n(x1)} ${y + 5}V${y}H${n(x1 + w)}V${y + 5}" fill="none" stroke="${color}" stroke-width="1.5">${tip}</path>`,
      );
      break;
    }
    default: {
      const never: never = b.effect;
      return never;
    }
  }
  if (label) {
    const y = top + 8 + (label.lane + 1) * LANE - 3;
    out.push(
      `<text x="${n(label.x)}" y="${y}" font-size="10.5" fill="#333333">${xmlText(label.text)}</text>`,
    );
  }
  return out;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function rowLabel(
  name: string,
  sub: string,
  verdict: Verdict | undefined,
  top: number,
  tip: string = name,
): string[] {
  const out = [
    `<text x="${PAD + 4}" y="${top + 19}" font-size="13" font-weight="bold" fill="#111111">${xmlText(truncate(name, 15))}<title>${xmlText(tip)}</title></text>`,
    `<text x="${PAD + 4}" y="${top + 35}" font-size="10.5" fill="#555555">${xmlText(truncate(sub, 27))}<title>${xmlText(sub)}</title></text>`,
  ];
  if (verdict) {
    out.push(
      `<text x="${X0 - 8}" y="${top + 19}" text-anchor="end" font-size="10.5" font-weight="bold" fill="${VERDICT_COLOR[verdict]}">${VERDICT_WORD[verdict]}</text>`,
    );
  }
  return out;
}

const SUB_LANES = [0, -11, 11];

function messages(marks: readonly MessageMark[], x: (t: number) => number, cy: number): string[] {
  const out: string[] = [];
  const ends = SUB_LANES.map(() => Number.NEGATIVE_INFINITY);
  // Emit order keeps the greedy placement stable; unknown ids sit where their copy arrived.
  const sorted = [...marks].sort((a, b) => a.t - b.t);
  // Dense traffic (telemetry every second) would drown in deadline ticks: there only the
  // messages that missed theirs keep them.
  const gaps = sorted
    .slice(1)
    .map((m, i) => x(m.t) - x(sorted[i]!.t))
    .sort((a, b) => a - b);
  const median = gaps.length === 0 ? Number.POSITIVE_INFINITY : (gaps[Math.floor(gaps.length / 2)] ?? 0);
  const sparse = median >= 12;
  // Dots shrink to fit side by side before they are stacked.
  const r = Math.min(4.5, Math.max(2.5, median / 2 - 0.3));
  for (const m of sorted) {
    const ex = x(m.t);
    const deadline = sparse || !['ok', 'duplicate'].includes(m.outcome) ? m.deadline : undefined;
    // A lane is free when what the last message drew there ends before this one's dot.
    const reach = Math.max(
      ex + r,
      ...m.copies.map((t) => x(t) + 2),
      deadline !== undefined ? x(deadline) + 2 : ex,
    );
    let lane = ends.findIndex((e) => e <= ex - r);
    if (lane < 0) lane = ends.indexOf(Math.min(...ends));
    ends[lane] = reach;
    const y = cy + (SUB_LANES[lane] ?? 0);
    out.push(...message(m, x, ex, y, deadline, r));
  }
  return out;
}

function message(
  m: MessageMark,
  x: (t: number) => number,
  ex: number,
  y: number,
  deadline: number | undefined,
  r: number,
): string[] {
  const color = OUTCOME_COLOR[m.outcome];
  const out = [`<g class="message">`];
  if (deadline !== undefined) {
    const dx = n(x(deadline));
    out.push(
      `<line x1="${n(ex)}" y1="${y}" x2="${dx}" y2="${y}" stroke="#9a9a9a" stroke-width="1" stroke-dasharray="1 2"/>`,
      `<line class="deadline" x1="${dx}" y1="${y - 5}" x2="${dx}" y2="${y + 5}" stroke="#333333" stroke-width="1.5"/>`,
    );
  }
  const first = m.copies[0];
  const last = m.copies[m.copies.length - 1];
  if (first !== undefined && m.outcome !== 'unknown') {
    out.push(
      `<line class="wait" x1="${n(ex)}" y1="${y}" x2="${n(x(first))}" y2="${y}" stroke="${color}" stroke-width="1.5"/>`,
    );
  }
  if (first !== undefined && last !== undefined && last > first) {
    out.push(
      `<line x1="${n(x(first))}" y1="${y}" x2="${n(x(last))}" y2="${y}" stroke="${color}" stroke-width="1" stroke-dasharray="3 2"/>`,
    );
  }
  for (const t of m.copies) {
    const cx = n(x(t));
    out.push(
      `<line class="copy" x1="${cx}" y1="${y - 4}" x2="${cx}" y2="${y + 4}" stroke="${color}" stroke-width="2"/>`,
    );
  }
  const ring = m.blamed ? 'stroke="#111111" stroke-width="2"' : 'stroke="#ffffff" stroke-width="1"';
  out.push(
    `<circle class="msg" data-id="${xmlAttr(m.id)}" data-outcome="${m.outcome}"${m.blamed ? ' data-blamed="true"' : ''} cx="${n(ex)}" cy="${y}" r="${n(r)}" fill="${color}" ${ring}><title>${xmlText(m.text)}</title></circle>`,
  );
  out.push('</g>');
  return out;
}

function healthRow(m: TimelineModel, x: (t: number) => number, top: number): string[] {
  const cy = top + ROW / 2 + 6;
  const out = ['<g class="health">'];
  out.push(...rowLabel('board', 'mqtt, boots, tracebacks', m.healthVerdict, top, m.healthText));
  for (const s of m.mqtt) {
    out.push(
      `<rect class="mqtt" data-state="${s.state}" x="${n(x(s.start))}" y="${cy - 4}" width="${n(Math.max(1, x(s.end) - x(s.start)))}" height="8" fill="${MQTT_COLOR[s.state]}"><title>mqtt ${s.state} ${secs(s.start)} to ${secs(s.end)}</title></rect>`,
    );
  }
  for (const h of m.health) out.push(healthMark(h, x(h.t), cy - 13, true));
  out.push('</g>');
  return out;
}

function healthMark(h: HealthMark, hx: number, y: number, tagged = false): string {
  const tip = tagged ? `<title>${xmlText(h.text)}</title>` : '';
  const cls = tagged ? `class="health-mark" data-kind="${h.kind}"` : '';
  switch (h.kind) {
    case 'boot':
      return `<path ${cls} d="M${n(hx)} ${y - 6}L${n(hx + 6)} ${y + 5}H${n(hx - 6)}Z" fill="#4e79a7">${tip}</path>`;
    case 'traceback':
      return `<path ${cls} d="M${n(hx - 5)} ${y - 5}L${n(hx + 5)} ${y + 5}M${n(hx + 5)} ${y - 5}L${n(hx - 5)} ${y + 5}" stroke="#d62728" stroke-width="3">${tip}</path>`;
    case 'hung':
      return `<rect ${cls} x="${n(hx - 5)}" y="${y - 5}" width="10" height="10" fill="#111111">${tip}</rect>`;
    case 'reset':
      return `<circle ${cls} cx="${n(hx)}" cy="${y}" r="5" fill="none" stroke="#4e79a7" stroke-width="2.5">${tip}</circle>`;
    case 'away':
      return `<rect ${cls} x="${n(hx - 5)}" y="${y - 5}" width="10" height="10" fill="#ffffff" stroke="#111111" stroke-width="1.5" stroke-dasharray="2 1.5">${tip}</rect>`;
    case 'error':
    case 'agent-error':
      return `<path ${cls} d="M${n(hx)} ${y - 6}L${n(hx + 6)} ${y}L${n(hx)} ${y + 6}L${n(hx - 6)} ${y}Z" fill="${h.kind === 'error' ? '#111111' : '#8c8c8c'}">${tip}</path>`;
    default: {
      const never: never = h.kind;
      return never;
    }
  }
}

type Draw = (x: number, y: number) => string;

/** Three groups, wrapped to the width: what a message mark means, the faults, the board's health. */
function legend(top: number): { svg: string[]; bottom: number } {
  const out = ['<g class="legend">'];
  let lx = PAD;
  let y = top;
  const heading = (text: string, first = false) => {
    if (!first) y += 20;
    lx = PAD;
    out.push(`<text x="${lx}" y="${y + 4}" font-weight="bold" fill="#333333">${text}</text>`);
    lx += 70;
  };
  const item = (draw: Draw, text: string) => {
    const w = 14 + textWidth(text, 11);
    if (lx + w > W - PAD) {
      y += 18;
      lx = PAD + 70;
    }
    out.push(draw(lx, y), `<text x="${n(lx + 14)}" y="${y + 4}" fill="#333333">${xmlText(text)}</text>`);
    lx += w + 14;
  };
  const tick =
    (dash = ''): Draw =>
    (x, y) =>
      `<line x1="${n(x + 5)}" y1="${y - 6}" x2="${n(x + 5)}" y2="${y + 6}" stroke="#333333" stroke-width="1.5"${dash}/>`;
  const swatch =
    (color: string, opacity: number, h = 12): Draw =>
    (x, y) =>
      `<rect x="${n(x)}" y="${y - h / 2}" width="10" height="${h}" fill="${color}" fill-opacity="${opacity}"/>`;
  const health =
    (kind: HealthMark['kind']): Draw =>
    (x, y) =>
      healthMark({ t: 0, kind, text: '' }, x + 5, y);

  heading('messages', true);
  for (const o of OUTCOMES) {
    item((x, y) => `<circle cx="${n(x + 5)}" cy="${y}" r="4.5" fill="${OUTCOME_COLOR[o]}"/>`, outcomeText(o));
  }
  item(tick(), 'deadline');
  item(
    (x, y) =>
      `<line x1="${n(x)}" y1="${y}" x2="${n(x + 10)}" y2="${y}" stroke="#9a9a9a" stroke-width="1.5" stroke-dasharray="1 2"/>`,
    'waiting for the deadline',
  );
  item(
    (x, y) => `<circle cx="${n(x + 5)}" cy="${y}" r="4.5" fill="#ffffff" stroke="#111111" stroke-width="2"/>`,
    'named in a failing reason',
  );
  heading('faults');
  item(swatch(BAND_COLOR.down, 0.45), 'outage: link down');
  item(swatch(BAND_COLOR.degraded, 0.45), 'degraded link');
  item(tick(' stroke-dasharray="3 2"'), 'instant fault (reset)');
  item(
    (x, y) => `${swatch(BAND_COLOR.reboot, 0.45)(x, y)}${tick()(x - 5, y)}`,
    'reboot: down until reconnected',
  );
  heading('board');
  item(swatch(MQTT_COLOR.connected, 1, 8), 'mqtt connected');
  item(swatch(MQTT_COLOR.connecting, 1, 8), 'connecting');
  item(swatch(MQTT_COLOR.disconnected, 1, 8), 'disconnected');
  item(health('boot'), 'boot');
  item(health('traceback'), 'traceback');
  item(health('hung'), 'hung (silent on serial)');
  item(health('reset'), 'reset by hil');
  item(health('away'), 'serial port away');
  item(health('error'), 'runner error');
  out.push('</g>');
  return { svg: out, bottom: y + 8 };
}
