/**
 * The PostgreSQL stores against the same contract suites as the RAM ones, plus what only a database has:
 * migrations under a lock, readable start-up errors, bytea image results, and replicas sharing state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryAuthStorage } from '../src/accounts/memory-auth-storage.js';
import { type DatabaseStartError, openDatabase } from '../src/postgres/database.js';
import { migrate, readMigrations } from '../src/postgres/migrations.js';
import { PostgresAuthStorage } from '../src/postgres/postgres-auth-storage.js';
import { PostgresRateLimiter } from '../src/postgres/postgres-rate-limiter.js';
import { PostgresTaskStore } from '../src/postgres/postgres-task-store.js';
import { buildHarness } from './harness.js';
import { authStorageContract } from './support/auth-storage-contract.js';
import { longPollSuite } from './support/long-poll-suite.js';
import { freshSchema, type SchemaFixture, TEST_DATABASE_URL } from './support/postgres-fixture.js';
import { at, newTask, taskStoreContract } from './support/task-store-contract.js';
import { windowCounterContract } from './support/window-counter-contract.js';

describe('PostgresTaskStore', () => {
  taskStoreContract(async (options) => {
    const fixture = await freshSchema();
    return { store: new PostgresTaskStore(fixture.db.sql, { ...options, sweepBatch: 100 }), teardown: fixture.drop };
  });
});

describe('PostgresAuthStorage', () => {
  authStorageContract(async () => {
    const fixture = await freshSchema();
    return { storage: new PostgresAuthStorage(fixture.db.sql, 50), teardown: fixture.drop };
  });
});

describe('MemoryAuthStorage (the same contract)', () => {
  authStorageContract(async () => ({ storage: new MemoryAuthStorage(), teardown: async () => {} }));
});

describe('PostgresRateLimiter', () => {
  let fixture: SchemaFixture;
  before(async () => {
    fixture = await freshSchema();
  });
  after(() => fixture.drop());
  windowCounterContract(async (max, windowMs, now) => {
    await fixture.db.sql`DELETE FROM rate_hits`;
    return new PostgresRateLimiter(fixture.db.sql, 'test', max, windowMs, now);
  });

  it('two replicas (two pools) count into one window', async () => {
    const other = await openDatabase(fixture.config);
    try {
      const now = () => Date.parse('2026-01-01T00:00:00Z');
      const a = new PostgresRateLimiter(fixture.db.sql, 'shared', 2, 60_000, now);
      const b = new PostgresRateLimiter(other.sql, 'shared', 2, 60_000, now);
      await a.hit('10.0.0.1');
      assert.equal(await b.retryAfter('10.0.0.1'), 0);
      await b.hit('10.0.0.1');
      assert.equal(await a.retryAfter('10.0.0.1'), 60);
      assert.equal(await new PostgresRateLimiter(other.sql, 'another', 2, 60_000, now).count('10.0.0.1'), 0);
    } finally {
      await other.close();
    }
  });
});

describe('migrations', () => {
  it('replicas starting at once apply each migration once; a restart applies nothing', async () => {
    const fixture = await freshSchema();
    try {
      const versions = (await readMigrations()).map((m) => m.version);
      const [row] = await fixture.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM schema_migrations`;
      assert.equal(row!.n, versions.length);
      // Five more "replicas" start together on the migrated schema, and five on a new one.
      const racing = await Promise.all(Array.from({ length: 5 }, () => openDatabase(fixture.config)));
      assert.deepEqual(
        racing.map((db) => db.applied),
        racing.map(() => []),
      );
      await Promise.all(racing.map((db) => db.close()));
      const fresh = { ...fixture.config, schema: `${fixture.config.schema}_b` };
      try {
        const together = await Promise.all(Array.from({ length: 5 }, () => openDatabase(fresh)));
        const applied = together.flatMap((db) => db.applied);
        assert.deepEqual(applied.sort(), versions, 'each version applied by exactly one of them');
        await Promise.all(together.map((db) => db.close()));
      } finally {
        await fixture.db.sql.unsafe(`DROP SCHEMA IF EXISTS "${fresh.schema}" CASCADE`);
      }
    } finally {
      await fixture.drop();
    }
  });

  it('a failing migration is one clear error and leaves no trace', async () => {
    const fixture = await freshSchema();
    try {
      const good = await readMigrations();
      const bad = [...good, { version: 999, name: 'broken', sql: 'CREATE TABLE tasks (id int);' }];
      await assert.rejects(migrate(fixture.db.sql, bad), /migration 999_broken failed: .*tasks.* already exists/);
      const [row] = await fixture.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM schema_migrations`;
      assert.equal(row!.n, good.length);
    } finally {
      await fixture.drop();
    }
  });

  it('an unreachable database fails at start with one message naming it', async () => {
    const error = (await openDatabase({
      url: 'postgres://postgres@127.0.0.1:1/nowhere',
      schema: 'x',
      poolSize: 1,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )) as DatabaseStartError;
    assert.match(error.message, /^cannot use the database at 127\.0\.0\.1:1\/nowhere: .*ECONNREFUSED/);
    const noDb = new URL(TEST_DATABASE_URL);
    noDb.pathname = '/conveyor_no_such_database';
    await assert.rejects(
      openDatabase({ url: noDb.href, schema: 'x', poolSize: 1 }),
      /cannot use the database at .*conveyor_no_such_database: .*does not exist/,
    );
  });
});

describe('PostgreSQL storage details', () => {
  let fixture: SchemaFixture;
  before(async () => {
    fixture = await freshSchema();
  });
  after(() => fixture.drop());

  it('an image result is stored as raw bytes (bytea), a code result as jsonb', async () => {
    const store = new PostgresTaskStore(fixture.db.sql, { finishedTtlMs: 60_000, byteBudget: 1 << 30 });
    const image = newTask({ type: 'image' });
    const code = newTask();
    await store.create(image);
    await store.create(code);
    const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
    await store.commit(image.id, { status: 'ready', result: png.toString('base64') }, at(1));
    await store.commit(code.id, { status: 'ready', result: { stdout: 'hi\n', exit_code: 0 } }, at(1));
    const rows = await fixture.db.sql<{ id: string; image_result: Buffer | null; kind: string | null }[]>`
      SELECT id, image_result, jsonb_typeof(code_result) AS kind FROM tasks`;
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual(byId.get(image.id)!.image_result, png);
    assert.equal(byId.get(image.id)!.kind, null);
    assert.equal(byId.get(code.id)!.kind, 'object');
    assert.equal(byId.get(code.id)!.image_result, null);
  });

  it('sessions keep only the token hash', async () => {
    const columns = await fixture.db.sql<{ column_name: string }[]>`
      SELECT column_name FROM information_schema.columns
      WHERE table_schema = ${fixture.config.schema} AND table_name = 'sessions' ORDER BY column_name`;
    assert.deepEqual(
      columns.map((c) => c.column_name),
      ['expires_at', 'token_hash', 'user_id'],
    );
  });
});

describe('long-poll on PostgreSQL (LISTEN/NOTIFY)', () => {
  longPollSuite(async () => {
    const fixture = await freshSchema(1);
    return { env: fixture.env, teardown: fixture.drop };
  });

  it('a commit whose NOTIFY was lost is seen when the listener reconnects (every waiter re-reads)', async () => {
    const fixture = await freshSchema(1);
    const harness = await buildHarness({ env: fixture.env });
    try {
      const user = await harness.login();
      const { task_id, token } = await harness.submitTask(user.auth);
      const waiting = harness.app.inject({ method: 'GET', url: `/status/${task_id}?wait=30`, headers: user.auth });
      while (harness.waiters.waiting < 1) await sleep(10);
      // The commit lands without a notification (as if sent while the listener was down)...
      await fixture.db.sql`ALTER TABLE tasks DISABLE TRIGGER tasks_notify_final`;
      const commit = await harness.app.inject({
        method: 'POST',
        url: '/commit',
        headers: { authorization: `Bearer ${token}` },
        payload: { task_id, status: 'failed', error: { code: 'x', message: 'y' } },
      });
      assert.equal(commit.statusCode, 200);
      await fixture.db.sql`ALTER TABLE tasks ENABLE TRIGGER tasks_notify_final`;
      // ...then the listener's connection drops; the driver reconnects and LISTENs again.
      const started = performance.now();
      const killed = await fixture.db.sql`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = ${`conveyor-api:${fixture.config.schema}`} AND query ILIKE 'listen%'`;
      assert.equal(killed.length, 1, 'one listener connection');
      const answer = await waiting;
      assert.equal(answer.json().status, 'failed');
      assert.ok(performance.now() - started < 10_000, 'answered after the reconnect, not at the 30 s deadline');
    } finally {
      await harness.app.close();
      await fixture.drop();
    }
  });
});
