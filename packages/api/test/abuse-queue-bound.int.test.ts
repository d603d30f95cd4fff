/**
 * The queue's own bound, on the real RabbitMQ: work queues are declared with x-max-length + reject-publish,
 * so past the bound the broker nacks the publish, and POST /task answers 503 `queue_full` with Retry-After,
 * nothing queued (RabbitMQ 3.10's quorum queues take one message past the bound before refusing). No
 * consumer runs, so the messages stay ready. Uses its own queue prefix and deletes it.
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
  const prefix = `abuse-${randomBytes(4).toString('hex')}.`;
  const log = createLogger({ service: 'abuse-test', level: 'silent' });
  const queue = createRabbitTaskQueue({ url: AMQP_URL, log, prefix, maxLength: 3, connectionName: `${prefix}api` });
  after(async () => {
    await queue.deleteTopology().catch(() => {});
    await queue.close();
  });

  test('past x-max-length POST /task is 503 queue_full with Retry-After', async () => {
    await queue.declareTopology();
    const { app } = await createApiServer({
      config: readApiConfig({ BCRYPT_COST: '4', MAX_TASKS_IN_FLIGHT: '100' }),
      publisher: queue.publisher,
      control: queue.control,
      logger: log,
      registry: new Registry(),
    });
    await app.inject({ method: 'POST', url: '/register', payload: { username: 'flooder', password: 'password123' } });
    const token = (
      await app.inject({ method: 'POST', url: '/login', payload: { username: 'flooder', password: 'password123' } })
    ).json().token;
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/task',
        headers: { authorization: `Bearer ${token}` },
        payload: { translator: 'python3', code: 'print(1)' },
      });
    // A quorum queue checks its length before each enqueue and switches to rejecting once it is over the
    // bound: measured on RabbitMQ 3.10, a 3-message bound takes a 4th, then refuses.
    let full = await post();
    let accepted = 0;
    while (full.statusCode === 201 && accepted < 10) {
      accepted++;
      full = await post();
    }
    assert.ok(accepted >= 3 && accepted <= 4, `accepted ${accepted} before refusing`);
    assert.equal(full.statusCode, 503, full.body);
    assert.equal(full.json().error.code, 'queue_full');
    assert.ok(Number(full.headers['retry-after']) >= 1);
    // Nothing was queued for the refused task, and the user's place was given back.
    const list = (
      await app.inject({ method: 'GET', url: '/tasks', headers: { authorization: `Bearer ${token}` } })
    ).json();
    assert.equal(list.tasks.length, accepted);
    await app.close();
  });
});
