import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { reportCommand } from '../../harness/cli/report-command.js';
import { buildHtmlReport } from '../../harness/report/html-report.js';
import { HilError } from '../../harness/spec/errors.js';

/** One test result as Allure 2/3 read them (what allure-mocha writes), minimal but complete. */
async function writeResult(
  dir: string,
  scenario: string,
  board: string,
  status: 'passed' | 'failed',
  start: number,
): Promise<string> {
  const uuid = randomUUID();
  await mkdir(dir, { recursive: true });
  const result = {
    uuid,
    historyId: `${scenario}/${board}`,
    testCaseId: `${scenario}/${board}`,
    name: board,
    fullName: `${scenario} ${board}`,
    status,
    ...(status === 'failed' && {
      statusDetails: { message: 'button b-1 emitted 10.00s, delivered 27.40s: 17.40s > 15s (stale)' },
    }),
    stage: 'finished',
    start,
    stop: start + 90_000,
    labels: [
      { name: 'parentSuite', value: 'boards' },
      { name: 'suite', value: scenario },
      { name: 'subSuite', value: board },
    ],
    steps: [],
    attachments: [],
    parameters: [],
  };
  await writeFile(join(dir, `${uuid}-result.json`), JSON.stringify(result));
  return uuid;
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => {
    text += b.toString();
  });
  return { stream, text: () => text };
}

const lines = async (file: string) => (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim());

describe('report: Allure HTML build (allure generate)', function () {
  // Each build runs the Allure 3 CLI in a child process: a few seconds on a loaded machine.
  this.timeout(120_000);
  let out: string;

  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), 'hil-report-'));
  });
  afterEach(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('builds allure-report/index.html and keeps history across runs', async () => {
    const results = join(out, 'allure-results');
    await writeResult(results, 'wifi-drop-20s', 'sim-robust', 'failed', 1_790_000_000_000);
    await writeResult(results, 'wifi-drop-20s', 'sim-resilient', 'passed', 1_790_000_000_000);

    const first = await buildHtmlReport(out);
    expect(first.index).to.equal(join(out, 'allure-report', 'index.html'));
    expect(existsSync(first.index)).to.equal(true);
    expect(first.appended).to.equal(true);
    expect(await lines(first.historyPath)).to.have.length(1);

    // The next night: the runner starts with fresh results; the history file carries the past.
    await rm(results, { recursive: true });
    await writeResult(results, 'wifi-drop-20s', 'sim-robust', 'passed', 1_790_086_400_000);
    await writeResult(results, 'wifi-drop-20s', 'sim-resilient', 'passed', 1_790_086_400_000);
    const second = await buildHtmlReport(out);
    expect(existsSync(second.index)).to.equal(true);
    const history = await lines(second.historyPath);
    expect(history).to.have.length(2);
    const names = history.map((l) => Object.values((JSON.parse(l) as { testResults: object }).testResults));
    const statuses = names.map((tr) =>
      (tr as Array<{ name: string; status: string }>).map((t) => `${t.name}:${t.status}`).sort(),
    );
    expect(statuses).to.deep.equal([
      ['sim-resilient:passed', 'sim-robust:failed'],
      ['sim-resilient:passed', 'sim-robust:passed'],
    ]);
    // The report was replaced whole: no half-built folder is left beside it.
    expect((await readdir(out)).sort()).to.deep.equal([
      'allure-history.jsonl',
      'allure-history.last',
      'allure-report',
      'allure-results',
    ]);
  });

  it('does not count the same results twice when the report is built again', async () => {
    await writeResult(join(out, 'allure-results'), 's', 'b', 'passed', 1_790_000_000_000);
    await buildHtmlReport(out);
    const again = await buildHtmlReport(out);
    expect(again.appended).to.equal(false);
    expect(existsSync(again.index)).to.equal(true);
    expect(await lines(again.historyPath)).to.have.length(1);
  });

  it('says what to run first when there are no results', async () => {
    let caught: unknown;
    await buildHtmlReport(out).catch((e) => {
      caught = e;
    });
    expect(caught).to.be.instanceOf(HilError);
    expect((caught as HilError).code).to.equal('HIL_E_USAGE');
    expect((caught as Error).message).to.match(/no Allure results in .*allure-results: run `hil run --out /);
  });

  it('hil report: exit 0 with the index, 2 without results, 3 when the build fails', async () => {
    const o = sink();
    const e = sink();
    expect(await reportCommand({ out, out$: o.stream, err$: e.stream })).to.equal(2);
    expect(e.text()).to.match(/hil report: no Allure results in .*: run `hil run --out .*` first/);

    await writeResult(join(out, 'allure-results'), 's', 'b', 'failed', 1_790_000_000_000);
    expect(await reportCommand({ out, out$: o.stream, err$: e.stream })).to.equal(0);
    expect(o.text()).to.include(`HTML report: ${join(out, 'allure-report', 'index.html')}`);

    // A history path Allure cannot write (a folder) makes the build fail; the old report stays.
    await rm(join(out, 'allure-history.jsonl'));
    await rm(join(out, 'allure-history.last'));
    await mkdir(join(out, 'allure-history.jsonl'));
    const e2 = sink();
    expect(await reportCommand({ out, out$: o.stream, err$: e2.stream })).to.equal(3);
    expect(e2.text()).to.match(/hil report: the HTML report could not be built/);
    expect(existsSync(join(out, 'allure-report', 'index.html'))).to.equal(true);
  });
});
