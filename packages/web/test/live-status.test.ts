/** Following a task: long-poll when the API holds requests, backoff when it answers at once, stop when final. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiOutcome } from '../src/api/client.js';
import type { StatusView } from '../src/api/types.js';
import { FIRST_DELAY_MS, MAX_DELAY_MS, nextDelay, WAIT_SECONDS, watchTask } from '../src/logic/live-status.js';

const status = (s: StatusView['status'], stage: StatusView['stage']): StatusView => ({
  task_id: 't',
  type: 'code',
  status: s,
  stage,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

/** A scripted API on a virtual clock: each answer takes `takesMs`; sleeps advance the clock. */
function scripted(answers: Array<{ outcome: ApiOutcome<StatusView>; takesMs: number }>) {
  let clock = 0;
  const asked: Array<number | undefined> = [];
  const slept: number[] = [];
  const deps = {
    fetchStatus: async (_id: string, wait: number | undefined) => {
      asked.push(wait);
      const next = answers.shift();
      if (!next) throw new Error('asked more often than scripted');
      clock += next.takesMs;
      return next.outcome;
    },
    sleep: async (ms: number) => {
      slept.push(ms);
      clock += ms;
    },
    now: () => clock,
  };
  return { deps, asked, slept };
}

const ok = (body: StatusView) => ({ ok: true as const, status: 200, body });

test('an API that holds the request (long-poll) is asked again at once, never slept on', async () => {
  const held = WAIT_SECONDS * 1000;
  const api = scripted([
    { outcome: ok(status('in_progress', 'queued')), takesMs: 5 },
    { outcome: ok(status('in_progress', 'queued')), takesMs: held },
    { outcome: ok(status('in_progress', 'running')), takesMs: 300 },
    { outcome: ok(status('ready', 'done')), takesMs: 900 },
  ]);
  const seen: string[] = [];
  const final = await watchTask('t', { onStatus: (s) => seen.push(s.stage) }, new AbortController().signal, api.deps);
  assert.equal(final?.status, 'ready');
  assert.deepEqual(seen, ['queued', 'queued', 'running', 'done']);
  assert.deepEqual(api.slept, []);
  assert.ok(api.asked.every((w) => w === WAIT_SECONDS));
});

test('an API that answers at once, unchanged, is polled with a growing delay up to the cap', async () => {
  const answers = Array.from({ length: 12 }, () => ({ outcome: ok(status('in_progress', 'running')), takesMs: 3 }));
  answers.push({ outcome: ok(status('ready', 'done')), takesMs: 3 });
  const api = scripted(answers);
  await watchTask('t', { onStatus: () => {} }, new AbortController().signal, api.deps);
  assert.equal(api.slept[0], FIRST_DELAY_MS);
  for (let i = 1; i < api.slept.length; i++) assert.ok(api.slept[i]! >= api.slept[i - 1]!, 'never faster');
  assert.equal(api.slept.at(-1), MAX_DELAY_MS);
});

test('the network gone is reported and retried with backoff; a 404 ends the watch', async () => {
  const troubles: boolean[] = [];
  const api = scripted([
    { outcome: { ok: false, kind: 'network', message: 'Failed to fetch' }, takesMs: 1 },
    { outcome: { ok: false, kind: 'network', message: 'Failed to fetch' }, takesMs: 1 },
    { outcome: ok(status('in_progress', 'running')), takesMs: 1 },
    { outcome: { ok: false, kind: 'http', status: 404, code: 'not_found', message: 'no such task' }, takesMs: 1 },
  ]);
  const final = await watchTask(
    't',
    { onStatus: () => {}, onTrouble: (_f, stopped) => troubles.push(stopped) },
    new AbortController().signal,
    api.deps,
  );
  assert.equal(final, undefined);
  assert.deepEqual(troubles, [false, false, true]);
  assert.deepEqual(api.slept.slice(0, 2), [FIRST_DELAY_MS, nextDelay(FIRST_DELAY_MS)]);
});

test('an API that refuses ?wait= (400) is asked without it from then on', async () => {
  const api = scripted([
    {
      outcome: { ok: false, kind: 'http', status: 400, code: 'invalid_field', message: 'wait', field: 'wait' },
      takesMs: 1,
    },
    { outcome: ok(status('ready', 'done')), takesMs: 1 },
  ]);
  await watchTask('t', { onStatus: () => {} }, new AbortController().signal, api.deps);
  assert.deepEqual(api.asked, [WAIT_SECONDS, undefined]);
});
