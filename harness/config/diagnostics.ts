/** A problem found in an input file, with the position a person needs to fix it. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
  /** What would be right, e.g. `did you mean "retry-within"?` */
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}

export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** Thrown where a caller wants the loaded thing or nothing: carries every diagnostic. */
export class ConfigError extends Error {
  readonly code = 'HIL_E_CONFIG';
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(sortDiagnostics(diagnostics).map(formatDiagnostic).join('\n'));
    this.name = 'ConfigError';
  }
}
