import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import { parse } from 'yaml';
import { formatDiagnostic } from '../../harness/config/diagnostics.js';
import { editorSchemas, renderSchema } from '../../harness/config/export-schemas.js';
import { loadSuite, scenarioFiles } from '../../harness/config/suite.js';

const STANDARD = [
  'wifi-drop-5s',
  'wifi-drop-60s',
  'broker-refuse-20s',
  'broker-restart-clean',
  'flapping-link',
  'latency-spike',
  'half-open-link',
];

describe('shipped rack and scenarios', () => {
  it('the default boards.yml and the standard suite validate', async () => {
    const suite = await loadSuite('boards.yml', ['scenarios']);
    expect(suite.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
    expect(suite.rack?.boards.map((b) => b.virtual?.model)).to.deep.equal([
      'simple',
      'robust',
      'robust2',
      'resilient',
    ]);
    expect(suite.scenarios.map((s) => s.name)).to.include.members(STANDARD);
  });

  it('the standard suite has each fault kind it promises', async () => {
    const suite = await loadSuite('boards.yml', ['scenarios']);
    const kinds = new Set(
      suite.scenarios.flatMap((s) =>
        s.faults.map((f) =>
          f.kind === 'broker-outage' ? `broker-outage:${(f.params as { mode: string }).mode}` : f.kind,
        ),
      ),
    );
    for (const k of [
      'wifi-outage',
      'broker-outage:refuse',
      'broker-outage:restart-clean',
      'flap',
      'latency',
      'half-open',
    ])
      expect([...kinds]).to.include(k);
  });

  it('the real-rack example validates with the standard suite', async () => {
    const suite = await loadSuite('fixtures/boards/real-rack.yml', ['scenarios']);
    expect(suite.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
  });

  it('the exported JSON Schemas are up to date (run `npm run schemas`)', async () => {
    for (const [name, schema] of Object.entries(editorSchemas())) {
      expect(await readFile(`schemas/${name}`, 'utf8'), name).to.equal(renderSchema(schema));
    }
  });

  it('the exported JSON Schemas accept every shipped file and reject a typo', async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addFormat('duration', /^[0-9]+(\.[0-9]+)?(ms|s|m|h)$/);
    const boards = ajv.compile(JSON.parse(await readFile('schemas/boards.schema.json', 'utf8')));
    const scenario = ajv.compile(JSON.parse(await readFile('schemas/scenario.schema.json', 'utf8')));
    for (const f of ['boards.yml', 'fixtures/boards/real-rack.yml']) {
      expect(boards(parse(await readFile(f, 'utf8'))), `${f}: ${ajv.errorsText(boards.errors)}`).to.equal(
        true,
      );
    }
    for (const f of (await scenarioFiles(['scenarios'])).files) {
      expect(scenario(parse(await readFile(f, 'utf8'))), `${f}: ${ajv.errorsText(scenario.errors)}`).to.equal(
        true,
      );
    }
    expect(boards({ boards: [{ id: 'a', virtual: { model: 'simple', 'queue-size': 3 } }] })).to.equal(false);
    expect(
      scenario({
        name: 'a',
        duration: '1s',
        traffic: [{ class: 'a', at: ['0s'] }],
        policies: { a: 'drop' },
        faults: [{ at: '1s', 'wifi-outgae': { for: '1s' } }],
      }),
    ).to.equal(false);
  });

  it('rejects the broken fixtures in fixtures/invalid with their positions', async () => {
    const suite = await loadSuite('fixtures/invalid/boards-broken.yml', [
      'fixtures/invalid/scenario-broken.yml',
    ]);
    const where = suite.diagnostics.map(
      (d) => `${d.file.replace('fixtures/invalid/', '')}:${d.line}:${d.col}`,
    );
    expect(where).to.deep.equal([
      'boards-broken.yml:2:11', // ephemeral broker port
      'boards-broken.yml:5:3', // "mange"
      'boards-broken.yml:10:9', // duplicate id
      'boards-broken.yml:11:13', // serial port used twice
      'boards-broken.yml:12:13', // proxy port used twice
      'boards-broken.yml:14:33', // unquoted pid
      'boards-broken.yml:16:11', // baud: fast
      'boards-broken.yml:17:9', // bad id
      'boards-broken.yml:20:23', // unknown model
      'scenario-broken.yml:2:11', // unit-less duration
      'scenario-broken.yml:3:8', // negative drain
      'scenario-broken.yml:7:14', // class without policy
      'scenario-broken.yml:10:5', // overlapping outages
      'scenario-broken.yml:11:15', // unknown fault kind
      'scenario-broken.yml:12:5', // reboot inside an outage
      'scenario-broken.yml:12:5', // ... and inside the second one
      'scenario-broken.yml:13:25', // latency without ms
      'scenario-broken.yml:13:32', // unit-less for
      'scenario-broken.yml:16:13', // misspelt policy
      'scenario-broken.yml:17:3', // policy without traffic
      'scenario-broken.yml:18:21', // unknown check
    ]);
  });

  it('checks scenario selectors against the rack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-sel-'));
    const file = join(dir, 'sel.yml');
    await writeFile(
      file,
      'name: sel\nduration: 10s\nboards: { tags: [virtaul] }\ntraffic: [{ class: a, at: [1s] }]\npolicies: { a: drop }\nfaults:\n  - { at: 2s, boards: { ids: [sim-robst] }, reboot: {} }\n',
    );
    try {
      const suite = await loadSuite('boards.yml', [file]);
      expect(suite.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message} (${d.hint})`)).to.deep.equal([
        '1:1: scenario selects tag "virtaul", which no board in boards.yml has (did you mean "virtual"?)',
        '7:5: reboot names board "sim-robst", which boards.yml does not have (did you mean "sim-robust"?)',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
