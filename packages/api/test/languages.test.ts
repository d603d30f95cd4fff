/**
 * GET /languages through Fastify inject, with in-process worker queries standing in for the code workers: the
 * list is the translator table; versions and limits are the worker's; the answer is cached and refreshed
 * behind a stale one; without a worker (none, a hung one, a wrong answer) it is still 200, at once or within
 * the question's timeout, with null versions and the default limits; a burst asks once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createInProcessWorkerQueries,
  createLogger,
  type LanguagesResponse,
  TRANSLATORS,
  translatorEntry,
  type WorkerCatalogue,
} from '@conveyor/shared';
import { DEFAULT_LIMITS_REPORT, LanguageCatalogue } from '../src/languages/language-catalogue.js';
import { buildHarness } from './harness.js';

const log = createLogger({ service: 'languages-test', level: 'silent', pretty: false });

function workerCatalogue(version = '12.2.0'): WorkerCatalogue {
  return {
    probed_at: '2026-12-02T08:00:00.000Z',
    versions: Object.fromEntries(TRANSLATORS.map((name) => [name, `${name} ${version}`])),
    limits: {
      time_ms: { default: 3000, max: 9000 },
      memory_mb: { default: 128, max: 512 },
      total_time_ms: { default: 30_000, max: 90_000 },
      compile_time_ms: 7000,
      compile_memory_mb: 300,
    },
  };
}

describe('GET /languages', () => {
  it('without a code worker: 200 at once, every translator of the table, null versions, the default limits', async () => {
    const { app } = await buildHarness();
    const started = performance.now();
    const res = await app.inject({ method: 'GET', url: '/languages' });
    assert.ok(performance.now() - started < 1_000);
    assert.equal(res.statusCode, 200);
    const body = res.json() as LanguagesResponse;
    assert.equal(body.probed_at, null);
    assert.deepEqual(
      body.translators.map((t) => t.name),
      TRANSLATORS,
    );
    for (const entry of body.translators) {
      const table = translatorEntry(entry.name);
      assert.deepEqual(entry.aliases, [...table.aliases]);
      assert.equal(entry.language, table.language);
      assert.equal(entry.compiled, table.compiler !== null);
      assert.equal(entry.version, null);
      assert.deepEqual(entry.limits.time_ms, DEFAULT_LIMITS_REPORT.time_ms);
      assert.deepEqual(entry.limits.memory_mb, DEFAULT_LIMITS_REPORT.memory_mb);
      assert.deepEqual(entry.limits.total_time_ms, DEFAULT_LIMITS_REPORT.total_time_ms);
      assert.equal(entry.limits.compile_time_ms, entry.compiled ? DEFAULT_LIMITS_REPORT.compile_time_ms : null);
    }
    assert.equal(body.translators.find((t) => t.name === 'python3')?.limits.compile_memory_mb, null);
    await app.close();
  });

  it('shows the versions and limits a code worker reports, and asks once for many requests', async () => {
    const queries = createInProcessWorkerQueries();
    let asked = 0;
    queries.answer('code', async () => {
      asked++;
      await sleep(50);
      return workerCatalogue();
    });
    const { app } = await buildHarness({ queries });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/languages' })),
    );
    assert.equal(asked, 1, 'one question for a burst of 20 requests');
    for (const res of answers) assert.equal(res.statusCode, 200);
    const body = answers[0]!.json() as LanguagesResponse;
    assert.equal(body.probed_at, '2026-12-02T08:00:00.000Z');
    const gcc = body.translators.find((t) => t.name === 'gcc')!;
    assert.equal(gcc.version, 'gcc 12.2.0');
    assert.deepEqual(gcc.limits, {
      time_ms: { default: 3000, max: 9000 },
      memory_mb: { default: 128, max: 512 },
      total_time_ms: { default: 30_000, max: 90_000 },
      compile_time_ms: 7000,
      compile_memory_mb: 300,
    });
    await app.inject({ method: 'GET', url: '/languages' });
    assert.equal(asked, 1, 'served from the cache');
    await app.close();
  });
});

describe('LanguageCatalogue', () => {
  it('serves a stale answer at once and refreshes it behind, once', async () => {
    const queries = createInProcessWorkerQueries();
    let version = '1.0';
    let asked = 0;
    queries.answer('code', () => {
      asked++;
      return workerCatalogue(version);
    });
    let clock = 0;
    const catalogue = new LanguageCatalogue({ queries, log, maxAgeMs: 1_000, now: () => clock });
    assert.equal((await catalogue.get()).translators[0]!.version, 'python3 1.0');
    version = '2.0';
    clock = 999;
    assert.equal((await catalogue.get()).translators[0]!.version, 'python3 1.0');
    assert.equal(asked, 1);
    clock = 1_000;
    // Stale: this request gets the old answer without waiting; the refresh lands for the next.
    const [a, b] = await Promise.all([catalogue.get(), catalogue.get()]);
    assert.equal(a.translators[0]!.version, 'python3 1.0');
    assert.equal(b.translators[0]!.version, 'python3 1.0');
    await sleep(20);
    assert.equal(asked, 2, 'one refresh for both');
    assert.equal((await catalogue.get()).translators[0]!.version, 'python3 2.0');
  });

  it('answers within the question’s timeout when the worker hangs, then does not ask again before retryAfterMs', async () => {
    const queries = createInProcessWorkerQueries();
    let asked = 0;
    queries.answer('code', () => {
      asked++;
      return new Promise(() => {});
    });
    let clock = 0;
    const catalogue = new LanguageCatalogue({
      queries,
      log,
      askTimeoutMs: 300,
      retryAfterMs: 10_000,
      now: () => clock,
    });
    const started = performance.now();
    const body = await catalogue.get();
    const ms = performance.now() - started;
    assert.ok(ms >= 250 && ms < 1_000, `answered after ${Math.round(ms)} ms`);
    assert.equal(body.probed_at, null);
    assert.ok(body.translators.every((t) => t.version === null));
    const again = performance.now();
    await catalogue.get();
    assert.ok(performance.now() - again < 50, 'the miss is remembered: no second wait');
    assert.equal(asked, 1);
    clock = 10_000;
    await catalogue.get();
    assert.equal(asked, 2, 'asked again after retryAfterMs');
  });

  it('takes an answer that is not a catalogue for no answer', async () => {
    for (const wrong of [null, 'gcc 12', { versions: 'all' }, { ...workerCatalogue(), limits: { time_ms: 5 } }]) {
      const queries = createInProcessWorkerQueries();
      queries.answer('code', () => wrong);
      const body = await new LanguageCatalogue({ queries, log }).get();
      assert.equal(body.probed_at, null, JSON.stringify(wrong));
      assert.ok(body.translators.every((t) => t.version === null));
    }
  });

  it('keeps the last answer when a refresh finds no worker', async () => {
    const queries = createInProcessWorkerQueries();
    const server = queries.answer('code', () => workerCatalogue());
    let clock = 0;
    const catalogue = new LanguageCatalogue({ queries, log, maxAgeMs: 1_000, now: () => clock });
    await catalogue.get();
    await server.close();
    clock = 5_000;
    await catalogue.get();
    await sleep(20);
    assert.equal((await catalogue.get()).translators[0]!.version, 'python3 12.2.0');
  });
});
