import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type BenchSection,
  type Figure,
  type Machine,
  mergeSection,
  renderSection,
  startBenchReport,
} from '../bench/bench-report.js';

const machine = (load: number): Machine => ({
  cores: 2,
  cpuModel: 'Test CPU',
  memoryGiB: 7.75,
  loadAverage: [load, 1, 0.5],
  node: 'v20.19.0',
  platform: 'linux x64',
});
const at = { start: machine(3), end: machine(5.5), date: new Date('2026-12-02T09:05:30Z') };

/** A figure in `unit`, beside a baseline of that name and value when given. */
const figure = (name: string, value: number, unit: string, baseline?: [string, number], target?: Figure['target']) => ({
  name,
  value,
  unit,
  ...(baseline ? { baseline: { name: baseline[0], value: baseline[1] } } : {}),
  ...(target ? { target } : {}),
});

const sandbox: BenchSection = {
  id: 'code-sandbox',
  title: 'Sandbox latency',
  method: 'median of 10 runs each',
  figures: [
    figure('python3 hello', 180, 'ms', ['docker run --rm', 270], { on: 'ratio', max: 1.2 }),
    figure('gcc hello', 400, 'ms', ['docker run --rm', 250], { on: 'ratio', max: 1.2 }),
  ],
};

describe('the benchmark report', () => {
  test('a section: date, machine at start and end, each figure beside its baseline with ratio and target', () => {
    const md = renderSection(sandbox, at);
    assert.match(md, /^<!-- bench:code-sandbox -->\n## Sandbox latency \(`bench\/code-sandbox.ts`\)/);
    assert.match(md, /2026-12-02 09:05 UTC/);
    assert.match(
      md,
      /2 cores \(Test CPU\), 7\.8 GiB, load average 3\.00 \/ 1\.00 \/ 0\.50 .*Node v20\.19\.0, linux x64/,
    );
    assert.match(md, /Load average at the end: 5\.50/);
    assert.match(
      md,
      /\| python3 hello \| 180 ms \| docker run --rm: 270 ms \| 0\.67x \| -90 ms \| ratio ≤ 1\.2x: met \|/,
    );
    assert.match(
      md,
      /\| gcc hello \| 400 ms \| docker run --rm: 250 ms \| 1\.60x \| \+150 ms \| ratio ≤ 1\.2x: \*\*not met\*\* \|/,
    );
    assert.match(md, /<!-- \/bench:code-sandbox -->$/);
  });

  test('targets on the difference or the value, and a figure without a baseline', () => {
    const md = renderSection(
      {
        id: 'store-api',
        title: 'Stores',
        method: 'm',
        figures: [
          figure('POST /task p50', 3.2, 'ms', ['RAM', 1.26], { on: 'difference', max: 3 }),
          figure('wake p50', 4.51, 'ms', undefined, { on: 'value', max: 20 }),
          figure('GET /status', 1293, 'req/s', ['RAM', 2053], { on: 'ratio', min: 0.5 }),
          figure('tasks/s', 8.1, 'tasks/s'),
          figure('a | pipe', 1, 'x'),
        ],
      },
      at,
    );
    assert.match(
      md,
      /\| POST \/task p50 \| 3\.2 ms \| RAM: 1\.26 ms \| 2\.54x \| \+1\.94 ms \| difference ≤ 3 ms: met \|/,
    );
    assert.match(md, /\| wake p50 \| 4\.51 ms \| {2}\| {2}\| {2}\| value ≤ 20 ms: met \|/);
    assert.match(
      md,
      /\| GET \/status \| 1,293 req\/s \| RAM: 2,053 req\/s \| 0\.63x \| -760 req\/s \| ratio ≥ 0\.5x: met \|/,
    );
    assert.match(md, /\| tasks\/s \| 8\.1 tasks\/s \| {2}\| {2}\| {2}\| {2}\|/);
    assert.match(md, /\| a \\\| pipe \|/, 'a pipe in a name does not break the table');
  });

  test('merging replaces the same section and keeps the others; a new report starts with the header', () => {
    const first = mergeSection(undefined, 'code-sandbox', renderSection(sandbox, at));
    assert.match(first, /^# Latest benchmark figures\n/);
    assert.match(first, /do not edit by hand/);
    const other = renderSection({ ...sandbox, id: 'code-tests', title: 'Tests' }, at);
    const both = mergeSection(first, 'code-tests', other);
    const later = { ...at, date: new Date('2026-12-03T10:00:00Z') };
    const again = mergeSection(both, 'code-sandbox', renderSection(sandbox, later));
    assert.equal(again.match(/<!-- bench:code-sandbox -->/g)?.length, 1);
    const sandboxPart = again.slice(
      again.indexOf('<!-- bench:code-sandbox'),
      again.indexOf('<!-- /bench:code-sandbox'),
    );
    assert.match(sandboxPart, /2026-12-03 10:00 UTC/);
    assert.doesNotMatch(sandboxPart, /2026-12-02/);
    assert.ok(again.indexOf('bench:code-sandbox') < again.indexOf('bench:code-tests'), 'the order stays');
    assert.ok(again.includes(other), 'the other section is untouched');
  });

  test('write: creates the report, then replaces its own section in place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
    try {
      const path = join(dir, 'latest.md');
      await startBenchReport('code-sandbox', 'Sandbox latency', path).write('first', sandbox.figures);
      await startBenchReport('code-tests', 'Tests', path).write('tests', []);
      await startBenchReport('code-sandbox', 'Sandbox latency', path).write('second', sandbox.figures);
      const report = await readFile(path, 'utf8');
      assert.doesNotMatch(report, /\nfirst\n/);
      assert.match(report, /\nsecond\n[\s\S]*bench:code-tests/);
      await writeFile(path, '');
      await startBenchReport('code-tests', 'Tests', path).write('tests', []);
      assert.match(await readFile(path, 'utf8'), /^# Latest benchmark figures/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
