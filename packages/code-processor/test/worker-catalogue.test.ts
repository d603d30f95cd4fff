/**
 * The code worker's side of GET /languages, on in-process worker queries and a stand-in probe: no answer
 * until the probe succeeded (a question stays for a worker that can answer), a failed probe tried again, the
 * answer the versions with this worker's limits, and nothing answered once closed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createInProcessWorkerQueries, createLogger, sandboxLimitsReport, TRANSLATORS } from '@conveyor/shared';
import { DEFAULT_SANDBOX_LIMITS } from '../src/sandbox/limits.js';
import type { TranslatorVersions } from '../src/sandbox/version-probe.js';
import { WorkerCatalogueService } from '../src/worker-catalogue.js';

const log = createLogger({ service: 'catalogue-test', level: 'silent', pretty: false });
const versions = Object.fromEntries(TRANSLATORS.map((name) => [name, `${name} 1.0`])) as TranslatorVersions;

async function until(condition: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('WorkerCatalogueService', () => {
  test('answers only once the probe succeeded, trying a failed probe again; then stops when closed', async () => {
    const queries = createInProcessWorkerQueries();
    let probes = 0;
    const service = new WorkerCatalogueService({
      probe: async () => {
        probes++;
        if (probes < 3) throw new Error('Docker is not there');
        return versions;
      },
      limits: sandboxLimitsReport(DEFAULT_SANDBOX_LIMITS),
      queries,
      log,
      retryMs: 20,
      now: () => new Date('2026-12-02T08:00:00Z'),
    });
    service.start();
    assert.deepEqual(await queries.ask('code', 100), { outcome: 'no_answer' }, 'nothing to answer yet');
    await until(() => service.current !== null, 'the third probe succeeded');
    assert.equal(probes, 3);
    const answer = await queries.ask('code', 1_000);
    assert.deepEqual(answer, {
      outcome: 'answered',
      body: {
        probed_at: '2026-12-02T08:00:00.000Z',
        versions,
        limits: {
          time_ms: { default: 5000, max: 15_000 },
          memory_mb: { default: 256, max: 1024 },
          total_time_ms: { default: 60_000, max: 120_000 },
          compile_time_ms: 10_000,
          compile_memory_mb: 256,
        },
      },
    });
    await service.close();
    assert.deepEqual(await queries.ask('code', 100), { outcome: 'no_answer' });
  });

  test('closed while probing: the probe is aborted and never answers', async () => {
    const queries = createInProcessWorkerQueries();
    let aborted = false;
    const service = new WorkerCatalogueService({
      probe: (signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
      limits: sandboxLimitsReport(DEFAULT_SANDBOX_LIMITS),
      queries,
      log,
    });
    service.start();
    await service.close();
    assert.ok(aborted);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(service.current, null);
    assert.deepEqual(await queries.ask('code', 100), { outcome: 'no_answer' });
  });
});
