/**
 * The contract every WorkerQueries keeps, as one suite run against each backend (RabbitMQ and in-process):
 * an answer reaches the asker, one worker answers each question, a question nobody answers is `no_answer`
 * within its timeout (and never answered later), a failing or slow worker is `no_answer`, a closed queue is
 * `unavailable`. The asker and the worker open the queue as two processes would (the same instance in-process).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QueryOutcome, TaskQueue } from '@conveyor/shared';
import type { QueueFixture, QueueFixtureFactory } from './queue-fixture.js';
import { waitUntil } from './wait.js';

const CATALOGUE = { probed_at: '2026-12-02T08:00:00.000Z', versions: { gcc: 'gcc 12', python3: null } };
/** Long enough for a RabbitMQ consumer to attach while the question waits in the queue. */
const ANSWER_TIMEOUT_MS = 3_000;

async function timed(work: Promise<QueryOutcome>): Promise<{ outcome: QueryOutcome; ms: number }> {
  const started = performance.now();
  const outcome = await work;
  return { outcome, ms: performance.now() - started };
}

export function workerQueriesContract(factory: QueueFixtureFactory, prefix?: () => string): void {
  let fixture: QueueFixture;
  let api: TaskQueue;
  let worker: TaskQueue;

  beforeEach(async () => {
    fixture = await factory(prefix ? { prefix: prefix() } : {});
    api = await fixture.open();
    worker = await fixture.open();
  });
  afterEach(async () => {
    await fixture.teardown();
  });

  it('brings a worker’s answer to the asker, as JSON', async () => {
    const server = worker.queries.answer('code', () => CATALOGUE);
    const { outcome } = await timed(api.queries.ask('code', ANSWER_TIMEOUT_MS));
    assert.deepEqual(outcome, { outcome: 'answered', body: CATALOGUE });
    await server.close();
  });

  it('has exactly one worker answer each question, whichever it is', async () => {
    let calls = 0;
    const servers = [
      worker.queries.answer('code', () => ({ ...CATALOGUE, by: 'a', call: ++calls })),
      worker.queries.answer('code', () => ({ ...CATALOGUE, by: 'b', call: ++calls })),
    ];
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await api.queries.ask('code', ANSWER_TIMEOUT_MS));
    assert.ok(outcomes.every((o) => o.outcome === 'answered'));
    // Each question was answered once: the responders ran once per question, no more.
    await sleep(200);
    assert.equal(calls, 4);
    await Promise.all(servers.map((server) => server.close()));
  });

  it('is no_answer within the timeout when no worker answers, and the stale question is never answered later', async () => {
    const { outcome, ms } = await timed(api.queries.ask('code', 300));
    assert.deepEqual(outcome, { outcome: 'no_answer' });
    assert.ok(ms < 300 + 600, `settled after ${Math.round(ms)} ms`);
    // A worker that starts now sees only the questions asked from now on: the old one expired.
    let calls = 0;
    const server = worker.queries.answer('code', () => {
      calls++;
      return CATALOGUE;
    });
    await sleep(700);
    assert.equal(calls, 0, 'the expired question was not delivered');
    assert.equal((await api.queries.ask('code', ANSWER_TIMEOUT_MS)).outcome, 'answered');
    assert.equal(calls, 1);
    await server.close();
  });

  it('is no_answer, not an error, when the worker fails or is slower than the timeout; the worker goes on answering', async () => {
    let mode: 'throw' | 'slow' | 'ok' = 'throw';
    const server = worker.queries.answer('code', async () => {
      if (mode === 'throw') throw new Error('no sandbox');
      if (mode === 'slow') await sleep(1_500);
      return CATALOGUE;
    });
    // Wait for the worker to be there, so the timeouts below time the worker, not its start.
    await waitUntil(async () => {
      mode = 'ok';
      const probe = await api.queries.ask('code', ANSWER_TIMEOUT_MS);
      mode = 'throw';
      return probe.outcome === 'answered';
    }, 'the worker answers');
    const failed = await timed(api.queries.ask('code', 500));
    assert.deepEqual(failed.outcome, { outcome: 'no_answer' });
    assert.ok(failed.ms < 500 + 600, `settled after ${Math.round(failed.ms)} ms`);
    mode = 'slow';
    const slow = await timed(api.queries.ask('code', 500));
    assert.deepEqual(slow.outcome, { outcome: 'no_answer' });
    assert.ok(slow.ms < 500 + 600, `settled after ${Math.round(slow.ms)} ms`);
    await sleep(1_200);
    mode = 'ok';
    assert.equal((await api.queries.ask('code', ANSWER_TIMEOUT_MS)).outcome, 'answered');
    await server.close();
  });

  it('stops answering once the worker closes its server', async () => {
    const server = worker.queries.answer('code', () => CATALOGUE);
    assert.equal((await api.queries.ask('code', ANSWER_TIMEOUT_MS)).outcome, 'answered');
    await server.close();
    assert.deepEqual(await api.queries.ask('code', 300), { outcome: 'no_answer' });
  });

  it('is unavailable, at once, on a closed queue', async () => {
    await api.close();
    const { outcome, ms } = await timed(api.queries.ask('code', 2_000));
    assert.equal(outcome.outcome, 'unavailable');
    assert.ok(ms < 500, `settled after ${Math.round(ms)} ms`);
  });
}
