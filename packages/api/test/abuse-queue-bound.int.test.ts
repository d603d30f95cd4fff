/**
 * The queue's own bound, on the real RabbitMQ: work queues (both lanes, each with its own bound) are declared
 * with x-max-length + reject-publish, so past the bound the broker nacks the publish, and POST /task answers
 * 503 `queue_full` with Retry-After, nothing queued (RabbitMQ 3.10's quorum queues take one message past the
 * bound before refusing). No consumer runs, so the messages stay ready. Uses its own queue prefix and deletes it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { createLogger, createRabbitTaskQueue } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { createApiServer } from '../src/api-server.js';
import { readApiConfig } from '../src/config.js';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

describe('abuse: the queue bound (RabbitMQ)', () => {
  const prefix = `${process.env.TEST_QUEUE_PREFIX ?? 'abuse'}-${randomBytes(4).toString('hex')}.`;
  const log = createLogger({ service: 'abuse-test', level: 'silent' });
  const queue = createRabbitTaskQueue({ url: AMQP_URL, log, prefix, maxLength: 3, connectionName: `${prefix}api` });
  after(async () => {
    await queue.deleteTopology().catch(() => {});
    await queue.close();
  });

  test('past x-max-length POST /task is 503 queue_full with Retry-After, in either lane', async () => {
    await queue.declareTopology();
    const { app } = await createApiServer({
      config: readApiConfig({ BCRYPT_COST: '4', MAX_TASKS_IN_FLIGHT: '100' }),
      publisher: queue.publisher,
      control: queue.control,
      logger: log,
      registry: new Registry(),
    });
    const login = async (username: string) => {
      await app.inject({ method: 'POST', url: '/register', payload: { username, password: 'password123' } });
      const res = await app.inject({ method: 'POST', url: '/login', payload: { username, password: 'password123' } });
      return { authorization: `Bearer ${res.json().token}` };
    };
    const post = (headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/task', headers, payload: { translator: 'python3', code: 'print(1)' } });
    /** Posts until refused (at most 10); returns how many were accepted and the refusal. */
    const postUntilRefused = async (next: () => Promise<Record<string, string>>) => {
      let accepted = 0;
      let answer = await post(await next());
      while (answer.statusCode === 201 && accepted < 10) {
        accepted++;
        answer = await post(await next());
      }
      return { accepted, refused: answer };
    };
    const assertQueueFull = (refused: Awaited<ReturnType<typeof post>>) => {
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().error.code, 'queue_full');
      assert.ok(Number(refused.headers['retry-after']) >= 1);
    };

    // One user's tasks: the first goes to the first lane, the others fill the rest lane. A quorum queue
    // checks its length before each enqueue and switches to rejecting once it is over the bound: measured
    // on RabbitMQ 3.10, a 3-message bound takes a 4th, then refuses.
    const flooder = await login('flooder');
    const rest = await postUntilRefused(async () => flooder);
    assert.ok(rest.accepted >= 4 && rest.accepted <= 5, `accepted ${rest.accepted} before refusing`);
    assertQueueFull(rest.refused);
    // Nothing was queued for the refused task, and the user's place was given back.
    const list = (await app.inject({ method: 'GET', url: '/tasks', headers: flooder })).json();
    assert.equal(list.tasks.length, rest.accepted);

    // Other users' first tasks still go in (the first lane has its own bound), until that lane is full too.
    let users = 0;
    const first = await postUntilRefused(() => login(`first-${++users}`));
    assert.ok(first.accepted >= 2 && first.accepted <= 3, `first lane took ${first.accepted} more`);
    assertQueueFull(first.refused);
    await app.close();
  });
});
