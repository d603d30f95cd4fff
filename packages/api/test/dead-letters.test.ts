/**
 * The API's side of dead letters: a dead-lettered message fails its task only when its commit token is the
 * task's own, checked as POST /commit checks it. A forged or missing token fails nothing and is parked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLogger } from '@conveyor/shared';
import { failDeadLetteredTask } from '../src/tasks/dead-letter-failures.js';
import { buildHarness } from './harness.js';

const error = { code: 'dead_lettered', message: 'gave up' };

async function setup() {
  const harness = await buildHarness();
  const user = await harness.login();
  const fail = failDeadLetteredTask(harness.tasks, createLogger({ service: 'test', level: 'silent', pretty: false }));
  const submit = () => harness.submitTask(user.auth);
  const status = async (id: string) =>
    (await harness.app.inject({ method: 'GET', url: `/status/${id}`, headers: user.auth })).json().status;
  return { ...harness, fail, submit, status };
}

describe('dead letters in the API', () => {
  test('a dead letter with the task’s own token fails the task', async () => {
    const { fail, submit, status } = await setup();
    const task = await submit();
    assert.equal(await fail({ task_id: task.task_id, commit_token: task.token, error }), 'done');
    assert.equal(await status(task.task_id), 'failed');
  });

  test('a forged token, another task’s token or none fails nothing and is parked; the real result still lands', async () => {
    const { app, fail, submit, status } = await setup();
    const task = await submit();
    const other = await submit();
    assert.equal(await fail({ task_id: task.task_id, commit_token: `${task.task_id}.made-up`, error }), 'park');
    assert.equal(await fail({ task_id: task.task_id, commit_token: other.token, error }), 'park');
    assert.equal(await fail({ task_id: task.task_id, commit_token: undefined, error }), 'park');
    assert.equal(await fail({ task_id: task.task_id, commit_token: 'not-a-token', error }), 'park');
    assert.equal(await status(task.task_id), 'in_progress');
    assert.equal(await status(other.task_id), 'in_progress');
    const genuine = await app.inject({
      method: 'POST',
      url: '/commit',
      headers: { authorization: `Bearer ${task.token}` },
      payload: { task_id: task.task_id, status: 'failed', error: { code: 'x', message: 'y' } },
    });
    assert.equal(genuine.statusCode, 200);
  });

  test('a dead letter for a task the API no longer knows is parked', async () => {
    const { fail } = await setup();
    const id = '3b241101-e2bb-4255-8caf-4136c566a962';
    assert.equal(await fail({ task_id: id, commit_token: `${id}.secret`, error }), 'park');
  });
});
