import { readFile } from 'node:fs/promises';
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostics.js';

export type PathSegment = string | number;

/** A parsed YAML file that can tell where any value in it came from. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source: YamlSource; diagnostics: Diagnostic[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    const source = new YamlSource(file, doc, lines);
    const diagnostics: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => {
      const at = lines.linePos(e.pos[0]);
      return { file, line: at.line, col: at.col, message: `YAML: ${firstLine(e.message)}` };
    });
    if (diagnostics.length === 0 && (doc.contents === null || isEmptyScalar(doc.contents))) {
      diagnostics.push({ file, line: 1, col: 1, message: 'file is empty', hint: 'see docs/ for an example' });
    }
    return { source, diagnostics };
  }

  static async read(file: string): Promise<{ source?: YamlSource; diagnostics: Diagnostic[] }> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(err);
      return { diagnostics: [{ file, line: 1, col: 1, message: `cannot read: ${why}` }] };
    }
    return YamlSource.parse(file, text);
  }

  /** The plain JS value of the document. */
  value(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }

  /** Position of the value at `path`; with `key`, of the key that names it. Falls back to the nearest parent. */
  position(path: readonly PathSegment[], which: 'value' | 'key' = 'value'): { line: number; col: number } {
    for (let n = path.length; n >= 0; n--) {
      const offset = this.offsetOf(path.slice(0, n), n === path.length ? which : 'value');
      if (offset !== undefined) return this.lines.linePos(offset);
    }
    return { line: 1, col: 1 };
  }

  at(
    path: readonly PathSegment[],
    message: string,
    hint?: string,
    which: 'value' | 'key' = 'value',
  ): Diagnostic {
    const { line, col } = this.position(path, which);
    return hint ? { file: this.file, line, col, message, hint } : { file: this.file, line, col, message };
  }

  private offsetOf(path: readonly PathSegment[], which: 'value' | 'key'): number | undefined {
    if (path.length === 0) return (this.doc.contents as Node | null)?.range?.[0];
    const parent = this.doc.getIn(path.slice(0, -1), true) as unknown;
    const last = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && keyText(p.key) === String(last));
      if (!pair) return undefined;
      const node = which === 'key' || pair.value === null ? pair.key : pair.value;
      return (node as Node | null)?.range?.[0];
    }
    if (isSeq(parent) && typeof last === 'number')
      return (parent.items[last] as Node | undefined)?.range?.[0];
    return undefined;
  }
}

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && (node.value === null || node.value === '');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
