import { formatDiagnostic } from '../../harness/config/diagnostics.js';
import { parseBoards } from '../../harness/config/load-boards.js';
import { parseScenario } from '../../harness/config/load-scenario.js';
import { YamlSource } from '../../harness/config/yaml-source.js';

/** Parses YAML text as a file would be, returning `file:line:col: message` lines. */
export function boardsErrors(text: string): string[] {
  const { source, diagnostics } = YamlSource.parse('boards.yml', text);
  if (diagnostics.length) return diagnostics.map(formatDiagnostic);
  return parseBoards(source).diagnostics.map(formatDiagnostic);
}

export function scenarioErrors(text: string): string[] {
  const { source, diagnostics } = YamlSource.parse('s.yml', text);
  if (diagnostics.length) return diagnostics.map(formatDiagnostic);
  return parseScenario(source).diagnostics.map(formatDiagnostic);
}

export function scenario(text: string) {
  const { source } = YamlSource.parse('s.yml', text);
  return parseScenario(source);
}

export function boards(text: string) {
  const { source } = YamlSource.parse('boards.yml', text);
  return parseBoards(source);
}

/** A valid scenario to which a test adds or replaces lines. */
export const BASE_SCENARIO = `name: t
duration: 60s
traffic:
  - { class: button, at: [10s] }
policies:
  button: { retry-within: 15s }
`;
