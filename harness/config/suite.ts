import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RackSpec, ScenarioSpec, Selector } from '../spec/types.js';
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { loadBoards } from './load-boards.js';
import { loadScenario } from './load-scenario.js';
import { didYouMean } from './schema-check.js';

export interface Suite {
  rack?: RackSpec;
  scenarios: ScenarioSpec[];
  diagnostics: Diagnostic[];
}

/** Expands directories to the YAML files in them, sorted, so runs are reproducible. */
export async function scenarioFiles(
  paths: readonly string[],
): Promise<{ files: string[]; diagnostics: Diagnostic[] }> {
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) diagnostics.push({ file: p, line: 1, col: 1, message: 'no such file or directory' });
    else if (info.isDirectory()) {
      const names = (await readdir(p)).filter((n) => /\.ya?ml$/.test(n)).sort();
      if (names.length === 0)
        diagnostics.push({ file: p, line: 1, col: 1, message: 'directory holds no scenario (*.yml)' });
      files.push(...names.map((n) => join(p, n)));
    } else files.push(p);
  }
  return { files, diagnostics };
}

/** Loads the rack and the scenarios and checks them against each other. Every problem is reported. */
export async function loadSuite(boardsFile: string, scenarioPaths: readonly string[]): Promise<Suite> {
  const rackLoad = await loadBoards(boardsFile);
  const { files, diagnostics } = await scenarioFiles(scenarioPaths);
  diagnostics.push(...rackLoad.diagnostics);
  const scenarios: ScenarioSpec[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const loaded = await loadScenario(file);
    diagnostics.push(...loaded.diagnostics);
    const sc = loaded.value;
    if (!sc) continue;
    const other = names.get(sc.name);
    if (other)
      diagnostics.push({
        file,
        line: 1,
        col: 1,
        message: `scenario name "${sc.name}" is also used by ${other}`,
        hint: 'names must be unique: reports are keyed by them',
      });
    names.set(sc.name, file);
    if (rackLoad.value) diagnostics.push(...checkAgainstRack(sc, rackLoad.value));
    scenarios.push(sc);
  }
  return {
    ...(rackLoad.value && { rack: rackLoad.value }),
    scenarios,
    diagnostics: sortDiagnostics(diagnostics),
  };
}

function checkAgainstRack(sc: ScenarioSpec, rack: RackSpec): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ids = rack.boards.map((b) => b.id);
  const tags = [...new Set(rack.boards.flatMap((b) => b.tags))];
  const checkSelector = (sel: Selector | undefined, origin: { line: number; col: number }, what: string) => {
    if (!sel) return;
    for (const id of sel.ids ?? []) {
      if (!ids.includes(id))
        out.push({
          file: sc.file,
          ...origin,
          message: `${what} names board "${id}", which ${rack.file} does not have`,
          hint: didYouMean(id, ids) ?? `boards: ${ids.join(', ')}`,
        });
    }
    for (const tag of sel.tags ?? []) {
      if (!tags.includes(tag))
        out.push({
          file: sc.file,
          ...origin,
          message: `${what} selects tag "${tag}", which no board in ${rack.file} has`,
          hint: didYouMean(tag, tags) ?? `tags: ${tags.join(', ')}`,
        });
    }
  };
  checkSelector(sc.boards, { line: 1, col: 1 }, 'scenario');
  for (const f of sc.faults) checkSelector(f.boards, f.origin, f.kind);
  return out;
}
