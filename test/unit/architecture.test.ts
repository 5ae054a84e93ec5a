import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';
import { importGraph, ROOT, reachable } from './import-graph.js';

/**
 * The folders of harness/ from the ground up (docs/development.md draws them): a folder may
 * import only folders before it. Type imports count too: a type from above is a dependency
 * on what is above.
 */
const LAYERS = [
  'spec',
  'history',
  'checker',
  'report',
  'network',
  'broker',
  'board',
  'faults',
  'sim',
  'deploy',
  'transports',
  'config',
  'scenario',
  'run',
  'cli',
] as const;

/** Every relative import of every harness file, type-only ones included, as folder → folder. */
function folderEdges(): Array<{ file: string; from: string; to: string }> {
  const edges: Array<{ file: string; from: string; to: string }> = [];
  for (const file of importGraph().keys()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
      const target = relative(ROOT, resolve(dirname(join(ROOT, file)), (m[1] ?? m[2]) as string));
      edges.push({ file, from: folderOf(file), to: folderOf(target) });
    }
  }
  return edges;
}

/** `harness/checker/policies/drop.ts` → `checker`; a file at harness/'s root is its own folder. */
function folderOf(path: string): string {
  return path.split('/')[1] ?? path;
}

describe('architecture', () => {
  const edges = folderEdges();

  it('knows every folder of harness/', () => {
    const folders = new Set(edges.map((e) => e.from));
    expect([...folders].filter((f) => !(LAYERS as readonly string[]).includes(f))).to.deep.equal([]);
  });

  it('no folder imports a folder above it (config → plan → run → checker → reporters)', () => {
    const rank = (f: string) => (LAYERS as readonly string[]).indexOf(f);
    const upward = edges.filter((e) => rank(e.to) > rank(e.from)).map((e) => `${e.file} → ${e.to}/`);
    expect(upward).to.deep.equal([]);
  });

  it('the checker does no I/O: nothing it loads imports a node: module or a package', () => {
    const graph = importGraph();
    const loaded = [...reachable(graph, 'harness/checker/index.ts')].flatMap(([file, chain]) =>
      (graph.get(file)?.packages ?? []).map((p) => `${chain.join(' → ')} → ${p}`),
    );
    expect(loaded).to.deep.equal([]);
  });
});
