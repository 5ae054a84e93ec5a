import * as allure from 'allure-js-commons';
import { Status } from 'allure-js-commons';
import { prose } from '../checker/prose.js';
import type { BoardVerdict } from '../checker/verdict.js';
import { boardOps } from '../history/board-ops.js';
import { faultSpans } from '../history/fault-spans.js';
import { type History, opsOf } from '../history/ops.js';
import { formatDuration } from '../spec/duration.js';
import type { ScenarioSpec } from '../spec/types.js';
import type { BoardResult } from './run-result.js';

/**
 * What Allure shows for one board's test: labels so the tree reads rack → scenario → board,
 * parameters, one step per fault and per traffic burst, and the board's files as attachments.
 * Called inside the mocha test; the runner itself never imports Allure.
 */
export async function describeForAllure(
  rack: string,
  result: BoardResult,
  files: {
    timelineSvg: string;
    serialLog: string;
    brokerLog: string;
    verdictTable: string;
    historyJson: string;
  },
): Promise<void> {
  const { scenario, board, history } = result;
  await allure.parentSuite(rack);
  await allure.suite(scenario.name);
  await allure.subSuite(board.id);
  await allure.epic(rack);
  await allure.feature(scenario.name);
  await allure.story(board.id);
  await allure.label('board', board.id);
  await allure.label('firmware', board.firmware);
  await allure.tags(
    ...board.tags,
    ...scenario.tags,
    ...(board.status === 'quarantined' ? ['quarantined'] : []),
  );
  if (scenario.description) await allure.description(scenario.description);
  for (const [name, value] of parameters(scenario, result)) await allure.parameter(name, value);
  for (const step of steps(scenario, history)) await allure.logStep(step.name, step.status);
  await allure.attachment('timeline.svg', files.timelineSvg, 'image/svg+xml');
  await allure.attachment('verdicts.txt', files.verdictTable, 'text/plain');
  await allure.attachment('serial.log', files.serialLog, 'text/plain');
  await allure.attachment('broker.log', files.brokerLog, 'text/plain');
  await allure.attachment('history.json', files.historyJson, 'application/json');
}

function parameters(scenario: ScenarioSpec, result: BoardResult): Array<[string, string]> {
  const out: Array<[string, string]> = [
    ['seed', String(scenario.seed)],
    ['duration', formatDuration(scenario.duration)],
    ['drain', formatDuration(scenario.drain)],
  ];
  for (const f of scenario.faults) {
    const p = f.params as { for?: number; mode?: string };
    const what = [p.for !== undefined ? formatDuration(p.for) : 'now', p.mode].filter(Boolean).join(' ');
    out.push([`${f.kind} at ${formatDuration(f.at)}`, what]);
  }
  const options = result.history.model
    ? (scenario.models[result.history.model as keyof ScenarioSpec['models']] ?? {})
    : {};
  for (const [k, v] of Object.entries(options)) out.push([`model ${k}`, String(v)]);
  return out;
}

interface Step {
  name: string;
  status: Status;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

/** One step per fault span (the shared pairing), per traffic burst (a class's emits), per time the serial port was away. */
export function steps(scenario: ScenarioSpec, history: History): Step[] {
  const out: Array<Step & { t: number }> = [];
  for (const f of faultSpans(boardOps(history)).spans) {
    if (f.end === undefined) {
      out.push({ t: f.start, name: `fault ${f.fault} ${s(f.start)}– never healed`, status: Status.BROKEN });
      continue;
    }
    // The end op's detail carries what healing it said; a reboot's span ends at its reconnect.
    const detail = (f.endOp ?? f.startOp).detail;
    out.push({
      t: f.start,
      name: `fault ${f.fault} ${s(f.start)}–${s(f.end)}${detail ? ` (${detail})` : ''}`,
      status: Status.PASSED,
    });
  }
  for (const t of scenario.traffic) {
    const emits = opsOf(history, 'emit').filter((e) => e.cls === t.class && e.unsent === undefined);
    if (emits.length === 0) continue;
    const first = emits[0]!.t;
    const last = emits.at(-1)!.t;
    out.push({
      t: first,
      name: `traffic ${t.class} (${t.direction}): ${emits.length} emitted ${s(first)}–${s(last)}`,
      status: Status.PASSED,
    });
  }
  const ops = boardOps(history);
  ops.forEach((op, i) => {
    if (op.kind !== 'port-away') return;
    const back = ops.slice(i + 1).find((o) => o.kind === 'port-back');
    out.push(
      back?.kind === 'port-back'
        ? {
            t: op.t,
            name: `serial port away ${s(op.t)}–${s(back.t)}, back at ${back.at}`,
            status: Status.PASSED,
          }
        : { t: op.t, name: `serial port away from ${s(op.t)}: ${op.msg}`, status: Status.BROKEN },
    );
  });
  for (const e of opsOf(history, 'error'))
    out.push({ t: e.t, name: `runner error: ${e.msg}`, status: Status.BROKEN });
  for (const { t, why, method, outcome, ms, detail } of opsOf(history, 'board-reset')) {
    const f = { kind: 'board-reset' as const, level: 'info' as const, t, why, method, outcome, ms };
    out.push({
      t,
      name: prose(detail === undefined ? f : { ...f, detail }),
      status: outcome === 'booted' ? Status.PASSED : Status.BROKEN,
    });
  }
  return out.sort((a, b) => a.t - b.t).map(({ name, status }) => ({ name, status }));
}

/** The verdict as a small text table, for the attachment and the assertion message. */
export function verdictTable(verdict: BoardVerdict): string {
  const rows = [
    ['class', 'policy', 'verdict', 'emitted', 'delivered', 'lost', 'blocked', 'late', 'dups'],
    ...verdict.classes.map((c) =>
      [c.class, c.policy, c.verdict, c.emitted, c.delivered, c.lost, c.blocked, c.late, c.duplicates].map(
        String,
      ),
    ),
    ...verdict.checks.map((c) => [c.check, 'check', c.verdict, '', '', '', '', '', '']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
  const reasons = [
    ...verdict.reasons,
    ...verdict.classes.flatMap((c) => c.reasons),
    ...verdict.checks.flatMap((c) => c.reasons),
  ];
  return [...lines, '', ...reasons].join('\n').trimEnd();
}
