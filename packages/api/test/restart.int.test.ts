/**
 * Nothing lost when the API dies: on PostgreSQL and RabbitMQ, 100 code tasks are in flight (each sleeps 1–2 s
 * and prints its own id), the API is SIGKILLed mid-way and started again ~10 s later. The workers are the real
 * worker runtime (shared Worker and CommitClient, with its retry back-off) running a stand-in for the sandbox
 * that sleeps and prints, so the test exercises the API's store and the commit path, not Docker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CommitAnswer,
  CommitClient,
  type CommitRequest,
  createLogger,
  type TaskCommitter,
  type TaskQueue,
  Worker,
} from '@conveyor/shared';
import { AMQP_URL, type QueueFixture, rabbitFixture } from '../../shared/test/support/queue-fixture.js';
import { type ApiProcess, client, startApiProcess } from './support/api-process.js';
import { freshSchema, type SchemaFixture } from './support/postgres-fixture.js';

/** A fixed port from this suite's range: the workers' API_URL must stay the same across the restart. */
const PORT = 18150;
const TASKS = 100;
const OUTAGE_MS = 10_000;

describe('the API killed with tasks in flight (PostgreSQL + RabbitMQ)', () => {
  let db: SchemaFixture;
  let broker: QueueFixture;
  let queue: TaskQueue;
  let worker: Worker;
  const apis: ApiProcess[] = [];
  let env: Record<string, string>;
  /** Every answer the workers' commits got, by task: the real CommitClient's, recorded on the way back. */
  const answers = new Map<string, CommitAnswer['kind'][]>();

  before(async () => {
    db = await freshSchema(2);
    broker = await rabbitFixture({ deliveryLimit: 5 });
    queue = await broker.open();
    env = {
      ...db.env,
      AMQP_URL,
      QUEUE_PREFIX: broker.prefix,
      DELIVERY_LIMIT: '5',
      MAX_TASKS_IN_FLIGHT: String(TASKS),
    };
    apis.push(await startApiProcess(env, PORT));
    worker = new Worker({
      type: 'code',
      queue,
      concurrency: 10,
      log: createLogger({ service: 'test-worker', level: 'silent' }),
      committer: recording(new CommitClient({ apiUrl: `http://127.0.0.1:${PORT}`, timeoutMs: 2000 })),
      handler: async (message) => {
        await sleep(1000 + Math.random() * 1000);
        return {
          status: 'ready',
          result: {
            verdict: 'ok',
            exit_code: 0,
            signal: null,
            stdout: `${message.task_id}\n`,
            stderr: '',
            compile: null,
            time_ms: 1,
            truncated: false,
          },
        };
      },
    });
  });

  function recording(inner: TaskCommitter): TaskCommitter {
    return {
      async commit(token: string, request: CommitRequest, signal?: AbortSignal) {
        const answer = await inner.commit(token, request, signal);
        if (request.status !== 'running')
          answers.set(request.task_id, [...(answers.get(request.task_id) ?? []), answer.kind]);
        return answer;
      },
    };
  }

  after(async () => {
    await worker?.close();
    for (const api of apis) await api.stop('SIGKILL');
    await broker?.teardown();
    await db?.drop();
  });

  it('every task ends ready with its own output on its id; old tokens work; no task has two results', async () => {
    const password = 'password123';
    const anon = client(apis[0]!.url);
    assert.equal((await anon('POST', '/register', { username: 'survivor', password })).status, 201);
    const token = (await anon('POST', '/login', { username: 'survivor', password })).json.token as string;
    const user = client(apis[0]!.url, { authorization: `Bearer ${token}` });
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const created = await user('POST', '/task', {
        translator: 'python3',
        code: `import time; time.sleep(1); print(${i})`,
      });
      assert.equal(created.status, 201);
      ids.push(created.json.task_id);
    }
    worker.run();
    // Mid-way: some tasks are done, others running, most still queued.
    const readyCount = async () => {
      const [row] = await db.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM tasks WHERE status = 'ready'`;
      return row!.n;
    };
    while ((await readyCount()) < 20) await sleep(100);
    await apis[0]!.stop('SIGKILL');
    const killedWith = await readyCount();
    assert.ok(killedWith < TASKS, `killed mid-way (${killedWith} ready)`);
    await sleep(OUTAGE_MS);
    apis.push(await startApiProcess(env, PORT));

    // The token from before the kill still works; every task reaches ready on its own id, with its own output.
    const again = client(apis[1]!.url, { authorization: `Bearer ${token}` });
    const deadline = Date.now() + 120_000;
    for (const id of ids) {
      let result = await again('GET', `/result/${id}?wait=30`);
      while (result.status === 202 && Date.now() < deadline) result = await again('GET', `/result/${id}?wait=30`);
      assert.equal(result.status, 200, `task ${id} is ready`);
      assert.equal(result.json.result.stdout, `${id}\n`, `task ${id} has its own output`);
    }
    // No final commit was refused: a retry across the restart is a repeat (200), never a second result (409).
    // A commit that landed just before the kill got no answer; the worker's retry (in back-off) gets it.
    while (ids.some((id) => !answers.has(id)) && Date.now() < deadline) await sleep(200);
    for (const id of ids) {
      const kinds = answers.get(id) ?? [];
      assert.ok(
        kinds.length >= 1 && kinds.every((k) => k === 'accepted'),
        `task ${id}: final commits answered ${kinds}`,
      );
    }
    const conflicts = apis.flatMap((api) => api.logs.filter((l) => l.msg === 'commit' && l.outcome === 'conflict'));
    assert.deepEqual(conflicts, [], 'no conflicting commit reached either API lifetime');
    assert.equal(await readyCount(), TASKS);
    assert.equal(await broker.readyCount('code', 'dead'), 0, 'nothing was dead-lettered');
  });
});
