/**
 * Two API processes on one PostgreSQL database and one RabbitMQ broker, as two replicas behind a load
 * balancer. The test plays the worker: it takes the messages from the queue and commits through either.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeTaskMessage, type TaskMessage, type TaskQueue } from '@conveyor/shared';
import { AMQP_URL, type QueueFixture, rabbitFixture } from '../../shared/test/support/queue-fixture.js';
import { type ApiProcess, client, startApiProcess } from './support/api-process.js';
import { codeResult } from './support/code-result.js';
import { freshSchema, type SchemaFixture } from './support/postgres-fixture.js';

describe('two API replicas on one database', () => {
  let db: SchemaFixture;
  let broker: QueueFixture;
  let queue: TaskQueue;
  let a: ApiProcess;
  let b: ApiProcess;
  const messages = new Map<string, TaskMessage>();

  before(async () => {
    db = await freshSchema(2);
    broker = await rabbitFixture();
    queue = await broker.open();
    const env = {
      ...db.env,
      AMQP_URL,
      QUEUE_PREFIX: broker.prefix,
      DELIVERY_LIMIT: String(broker.deliveryLimit),
      MAX_TASKS_IN_FLIGHT: '210',
      TRUST_PROXY: 'true',
      LOGIN_FAILURES_PER_MINUTE: '3',
      REGISTRATIONS_PER_MINUTE: '4',
    };
    [a, b] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
    // The worker's side: remember each task's message (its commit token), leave the task in flight.
    queue.consume(
      'code',
      async (delivery) => {
        const decoded = decodeTaskMessage(delivery.body);
        if (!decoded.ok) return 'ack';
        messages.set(decoded.message.task_id, decoded.message);
        // A task whose code asks for it is refused: its message goes to the dead-letter queue.
        const { code } = decoded.message.payload as { code?: string };
        return code?.includes('dead-letter me') ? 'dead_letter' : 'ack';
      },
      { prefetch: 50 },
    );
  });

  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()]);
    await broker?.teardown();
    await db?.drop();
  });

  let accounts = 0;
  async function account(name: string) {
    const password = 'password123';
    // Each from its own address: REGISTRATIONS_PER_MINUTE is low here, for the test of that limit.
    const from = { 'x-forwarded-for': `192.0.2.${++accounts}` };
    assert.equal((await client(a.url)('POST', '/register', { username: name, password }, from)).status, 201);
    const login = await client(b.url)('POST', '/login', { username: name, password });
    assert.equal(login.status, 200, 'a user registered through A logs in through B');
    const auth = { authorization: `Bearer ${login.json.token}` };
    return { onA: client(a.url, auth), onB: client(b.url, auth) };
  }

  async function messageOf(taskId: string): Promise<TaskMessage> {
    const deadline = Date.now() + 10_000;
    while (!messages.has(taskId) && Date.now() < deadline) await sleep(5);
    const message = messages.get(taskId);
    assert.ok(message, `the message of ${taskId} arrived`);
    return message;
  }

  const commitOn = (api: ApiProcess, message: TaskMessage, body: object) =>
    client(api.url, { authorization: `Bearer ${message.commit_token}` })('POST', '/commit', {
      task_id: message.task_id,
      ...body,
    });

  it('both say they use PostgreSQL, and both are ready', async () => {
    for (const api of [a, b]) {
      assert.equal(api.logs.find((l) => l.msg === 'API listening')?.store, 'postgres');
      const ready = await client(api.url)('GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.json.checks.database, true);
    }
  });

  it('a task created through A is read, waited on and committed through B', async () => {
    const { onA, onB } = await account('crossing');
    const created = await onA('POST', '/task', { translator: 'python3', code: 'print(1)' });
    assert.equal(created.status, 201);
    const id = created.json.task_id as string;
    assert.equal((await onB('GET', `/status/${id}`)).json.status, 'in_progress');
    const message = await messageOf(id);
    const waitedOnB = onB('GET', `/result/${id}?wait=30`);
    const waitedOnA = onA('GET', `/status/${id}?wait=30`);
    await sleep(300);
    const started = performance.now();
    assert.equal((await commitOn(b, message, { status: 'ready', result: codeResult('crossed\n') })).status, 200);
    const [result, status] = await Promise.all([waitedOnB, waitedOnA]);
    assert.ok(performance.now() - started < 3000, 'both long-polls woke on the commit');
    assert.equal(result.status, 200);
    assert.equal(result.json.result.stdout, 'crossed\n');
    assert.equal(status.json.status, 'ready');
    const listed = await onA('GET', '/tasks?limit=5');
    assert.deepEqual(
      listed.json.tasks.map((t: { task_id: string }) => t.task_id),
      [id],
    );
  });

  it('200 rounds of two different final commits sent at once to A and B: one winner each, the other 409', async () => {
    const { onA } = await account('racing');
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const created = await onA('POST', '/task', { translator: 'python3', code: `print(${i})` });
      assert.equal(created.status, 201);
      ids.push(created.json.task_id);
    }
    let winsA = 0;
    for (const id of ids) {
      const message = await messageOf(id);
      const [viaA, viaB] = await Promise.all([
        commitOn(a, message, { status: 'ready', result: codeResult('from A\n') }),
        commitOn(b, message, { status: 'ready', result: codeResult('from B\n') }),
      ]);
      const statuses = [viaA.status, viaB.status].sort();
      assert.deepEqual(statuses, [200, 409], `task ${id}: ${viaA.status} via A, ${viaB.status} via B`);
      const winner = viaA.status === 200 ? 'from A\n' : 'from B\n';
      if (viaA.status === 200) winsA++;
      const stored = await onA('GET', `/result/${id}`);
      assert.equal(stored.json.result.stdout, winner, `task ${id}: the stored result is the winner's`);
    }
    // Not a requirement, but a sign the race was real: both replicas won some rounds.
    assert.ok(winsA > 0 && winsA < 200, `A won ${winsA} of 200`);
  });

  it('dead-lettered messages mark their tasks failed exactly once, whichever replica consumes them', async () => {
    const { onA, onB } = await account('poisoned');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const created = await (i % 2 ? onA : onB)('POST', '/task', {
        translator: 'python3',
        code: `# dead-letter me ${i}`,
      });
      ids.push(created.json.task_id);
    }
    for (const id of ids) {
      const status = await onA('GET', `/result/${id}?wait=30`);
      assert.equal(status.json.status, 'failed', `task ${id}`);
      assert.equal(status.json.error.code, 'dead_lettered');
    }
    const appliedLines = () =>
      [...a.logs, ...b.logs].filter(
        (l) => l.msg === 'commit' && ids.includes(String(l.task_id)) && l.outcome === 'applied',
      );
    // The log lines come through the processes' stdout pipes, possibly after the answers.
    const until = Date.now() + 5000;
    while (appliedLines().length < ids.length && Date.now() < until) await sleep(50);
    await sleep(200);
    const applied = appliedLines();
    assert.deepEqual(applied.map((l) => l.task_id).sort(), [...ids].sort(), 'one applied failure per task');
    const conflicts = [...a.logs, ...b.logs].filter(
      (l) => l.msg === 'commit' && ids.includes(String(l.task_id)) && l.outcome === 'conflict',
    );
    assert.deepEqual(conflicts, []);
  });

  it('the in-flight cap holds across replicas when posts alternate between them', async () => {
    // MAX_TASKS_IN_FLIGHT is 210 here; a user with 208 open tasks may post exactly two more.
    const { onA, onB } = await account('capped');
    for (let batch = 0; batch < 208; batch += 52) {
      const posts = await Promise.all(
        Array.from({ length: 52 }, (_, i) => (i % 2 ? onA : onB)('POST', '/task', { translator: 'gcc', code: 'x' })),
      );
      assert.deepEqual(new Set(posts.map((p) => p.status)), new Set([201]));
    }
    const last = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? onA : onB)('POST', '/task', { translator: 'gcc', code: 'x' })),
    );
    assert.deepEqual(last.map((p) => p.status).sort(), [201, 201, 429, 429, 429, 429]);
  });

  it('the login throttle holds when failures alternate between replicas', async () => {
    await account('guarded');
    const from = { 'x-forwarded-for': '198.51.100.23' };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const api = i % 2 ? a : b;
      statuses.push(
        (await client(api.url)('POST', '/login', { username: 'guarded', password: 'wrong-password' }, from)).status,
      );
    }
    // LOGIN_FAILURES_PER_MINUTE=3 for the (name, address) pair, counted across both replicas.
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
  });

  it('the registration limit holds when registrations alternate between replicas', async () => {
    const from = { 'x-forwarded-for': '198.51.100.77' };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const api = i % 2 ? a : b;
      statuses.push(
        (await client(api.url)('POST', '/register', { username: `reg${i}x`, password: 'password123' }, from)).status,
      );
    }
    assert.deepEqual(statuses, [201, 201, 201, 201, 429, 429]);
  });
});
