/**
 * The runtime import graph of harness/, read from the sources with the TypeScript parser.
 * `import type`, `export type` and imports whose every name is `type` are left out: the compiler
 * (and tsx) erase them, so they load nothing. Dynamic `import()` is kept apart in `lazy`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** One module: paths are relative to the repository root, e.g. `harness/faults/flap.ts`. */
export interface ModuleImports {
  /** Our modules it loads when it loads. */
  modules: string[];
  /** Packages it loads when it loads, by package name (`@serialport/stream`, `node:fs`). */
  packages: string[];
  /** What it loads with `import()`, only when that code runs (modules and packages alike). */
  lazy: string[];
}

export type ImportGraph = Map<string, ModuleImports>;

/** Every .ts file under `dir` (default `harness`) with its runtime imports. */
export function importGraph(dir = 'harness'): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of tsFiles(join(ROOT, dir))) {
    graph.set(relative(ROOT, file), importsOf(file));
  }
  return graph;
}

/**
 * The modules `from` loads, directly or not, each with the chain that loads it
 * (`[from, ..., module]`). Only runtime edges; `lazy` ones too when `lazy` is true.
 */
export function reachable(graph: ImportGraph, from: string, lazy = false): Map<string, string[]> {
  const chains = new Map<string, string[]>([[from, [from]]]);
  const queue = [from];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const node = graph.get(file);
    if (!node) continue;
    const next = lazy ? [...node.modules, ...node.lazy.filter((m) => graph.has(m))] : node.modules;
    for (const m of next) {
      if (chains.has(m)) continue;
      chains.set(m, [...(chains.get(file) ?? []), m]);
      queue.push(m);
    }
  }
  return chains;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): ModuleImports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const modules = new Set<string>();
  const packages = new Set<string>();
  const lazy = new Set<string>();
  const add = (specifier: string, into?: Set<string>) => {
    const target = resolveSpecifier(file, specifier);
    (into ?? (isRelative(specifier) ? modules : packages)).add(target);
  };
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier)) {
      if (!isTypeOnlyImport(s.importClause)) add(s.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      if (!isTypeOnlyExport(s)) add(s.moduleSpecifier.text);
    }
  }
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0].text, lazy);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { modules: [...modules], packages: [...packages], lazy: [...lazy] };
}

function isRelative(specifier: string): boolean {
  return specifier.startsWith('./') || specifier.startsWith('../');
}

/** `../faults/x.js` → `harness/faults/x.ts`; a package specifier → its package name. */
function resolveSpecifier(file: string, specifier: string): string {
  if (isRelative(specifier)) {
    return relative(ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** No clause is a side-effect import (runtime); else type-only when nothing in it is a value. */
function isTypeOnlyImport(clause: ts.ImportClause | undefined): boolean {
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const bindings = clause.namedBindings;
  if (!bindings || ts.isNamespaceImport(bindings)) return false;
  return bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
}

function isTypeOnlyExport(s: ts.ExportDeclaration): boolean {
  if (s.isTypeOnly) return true;
  const clause = s.exportClause;
  return (
    !!clause &&
    ts.isNamedExports(clause) &&
    clause.elements.length > 0 &&
    clause.elements.every((e) => e.isTypeOnly)
  );
}
