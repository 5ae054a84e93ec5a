import { join } from 'node:path';
import { headline, reasonLines } from './parts.js';
import type { BoardResult, RunResult } from './run-result.js';
import { countsForRun } from './summary-json.js';
import { xmlAttr, xmlText } from './xml.js';

/**
 * junit.xml: one `<testsuite>` per scenario, one `<testcase>` per board. A `fail` is a
 * `<failure>`, an `error` an `<error>`, each with every reason, one per line. A quarantined
 * board's failure is written into `<system-out>` only: shown, but it never fails the night.
 */
export function junitXml(run: RunResult): string {
  const suites = groupByScenario(run.results);
  const counted = run.results.filter(countsForRun);
  const seconds = (Date.parse(run.finished) - Date.parse(run.started)) / 1000;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="hil" tests="${run.results.length}" failures="${countOf(counted, 'fail')}" errors="${countOf(counted, 'error')}" skipped="0"${timeAttr(seconds)} timestamp="${xmlAttr(run.started)}">`,
  );
  for (const [scenario, results] of suites) out.push(...suiteXml(scenario, results, run));
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

function groupByScenario(results: readonly BoardResult[]): Map<string, BoardResult[]> {
  const by = new Map<string, BoardResult[]>();
  for (const r of results) {
    const list = by.get(r.scenario.name) ?? [];
    list.push(r);
    by.set(r.scenario.name, list);
  }
  return by;
}

function countOf(results: readonly BoardResult[], v: 'fail' | 'error'): number {
  return results.filter((r) => r.verdict.verdict === v).length;
}

function timeAttr(seconds: number): string {
  return Number.isFinite(seconds) && seconds >= 0 ? ` time="${seconds.toFixed(3)}"` : '';
}

function suiteXml(scenario: string, results: readonly BoardResult[], run: RunResult): string[] {
  const counted = results.filter(countsForRun);
  const spec = results[0]?.scenario;
  // Boards of a scenario run side by side: the suite lasts as long as its longest board.
  const seconds = Math.max(0, ...results.map((r) => r.history.end / 1000));
  const lines = [
    `  <testsuite name="${xmlAttr(scenario)}" tests="${results.length}" failures="${countOf(counted, 'fail')}" errors="${countOf(counted, 'error')}" skipped="0"${timeAttr(seconds)} timestamp="${xmlAttr(run.started)}">`,
  ];
  if (spec) {
    lines.push('    <properties>');
    lines.push(`      <property name="file" value="${xmlAttr(spec.file)}"/>`);
    lines.push(`      <property name="seed" value="${spec.seed}"/>`);
    if (spec.description)
      lines.push(`      <property name="description" value="${xmlAttr(spec.description)}"/>`);
    lines.push('    </properties>');
  }
  for (const r of results) lines.push(...caseXml(r, run.runDir));
  lines.push('  </testsuite>');
  return lines;
}

function caseXml(r: BoardResult, runDir: string): string[] {
  const v = r.verdict;
  const lines = [
    `    <testcase classname="${xmlAttr(r.scenario.name)}" name="${xmlAttr(r.board.id)}"${timeAttr(r.history.end / 1000)}>`,
  ];
  const quarantined = !countsForRun(r);
  if (v.verdict !== 'pass' && !quarantined) {
    const tag = v.verdict === 'fail' ? 'failure' : 'error';
    lines.push(
      `      <${tag} message="${xmlAttr(headline(v))}" type="${v.verdict}">${xmlText(reasonLines(v).join('\n'))}</${tag}>`,
    );
  }
  const out = [
    `firmware: ${r.board.firmware}${r.board.model ? ` (model ${r.board.model})` : ''}`,
    ...(quarantined
      ? [`quarantined: verdict ${v.verdict}, which does not fail the run`, ...reasonLines(v)]
      : []),
    `history: ${join(runDir, r.files.history)}`,
    `serial log: ${join(runDir, r.files.serialLog)}`,
    `broker log: ${join(runDir, r.files.brokerLog)}`,
    `timeline: ${join(runDir, r.files.timeline)}`,
  ];
  lines.push(`      <system-out>${xmlText(out.join('\n'))}</system-out>`);
  lines.push('    </testcase>');
  return lines;
}
