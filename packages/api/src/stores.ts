/**
 * Where the API keeps its state: RAM (the default: one process, lost on restart) or PostgreSQL when
 * DATABASE_URL is set (durable, shared by any number of replicas). Only wiring lives here; both sides
 * implement the same interfaces and pass the same contract suites.
 */
import type { AuthStorage } from './accounts/auth-storage.js';
import { MemoryAuthStorage } from './accounts/memory-auth-storage.js';
import { RateLimiter, type WindowCounter } from './accounts/rate-limiter.js';
import type { ApiConfig } from './config.js';
import { openDatabase } from './postgres/database.js';
import { PostgresAuthStorage } from './postgres/postgres-auth-storage.js';
import { PostgresRateLimiter } from './postgres/postgres-rate-limiter.js';
import { PostgresTaskEvents } from './postgres/postgres-task-events.js';
import { PostgresTaskStore } from './postgres/postgres-task-store.js';
import { MemoryTaskStore } from './tasks/memory-task-store.js';
import { LocalTaskEvents, type TaskEvents } from './tasks/task-events.js';
import type { TaskStore } from './tasks/task-store.js';

export interface Stores {
  kind: 'ram' | 'postgres';
  tasks: TaskStore;
  auth: AuthStorage;
  /** Wake-ups of long-polls when a task turns final, whichever replica committed it. */
  events: TaskEvents;
  /** A throttle's sliding window; `name` tells the windows apart in a shared database. */
  windowCounter(name: string, max: number, windowMs: number): WindowCounter;
  /** Readiness checks for /readyz (the database, when there is one). */
  readiness: Record<string, () => Promise<boolean>>;
  close(): Promise<void>;
}

export async function openStores(config: ApiConfig, clock: () => number): Promise<Stores> {
  const retention = { finishedTtlMs: config.finishedTaskTtlMs, byteBudget: config.resultByteBudget };
  if (!config.database) {
    const events = new LocalTaskEvents();
    return {
      kind: 'ram',
      tasks: new MemoryTaskStore({ ...retention, onFinal: (id) => events.publish(id) }),
      auth: new MemoryAuthStorage(),
      events,
      windowCounter: (_name, max, windowMs) => new RateLimiter(max, windowMs, clock),
      readiness: {},
      close: async () => {},
    };
  }
  const db = await openDatabase(config.database);
  const events = await PostgresTaskEvents.listen(db.sql).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  return {
    kind: 'postgres',
    tasks: new PostgresTaskStore(db.sql, retention),
    auth: new PostgresAuthStorage(db.sql),
    events,
    windowCounter: (name, max, windowMs) => new PostgresRateLimiter(db.sql, name, max, windowMs, clock),
    readiness: { database: () => db.ping() },
    close: async () => {
      await events.close();
      await db.close();
    },
  };
}
