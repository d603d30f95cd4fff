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
import { PostgresTaskStore } from './postgres/postgres-task-store.js';
import { MemoryTaskStore } from './tasks/memory-task-store.js';
import type { TaskStore } from './tasks/task-store.js';

export interface Stores {
  kind: 'ram' | 'postgres';
  tasks: TaskStore;
  auth: AuthStorage;
  /** A throttle's sliding window; `name` tells the windows apart in a shared database. */
  windowCounter(name: string, max: number, windowMs: number): WindowCounter;
  /** Readiness checks for /readyz (the database, when there is one). */
  readiness: Record<string, () => Promise<boolean>>;
  close(): Promise<void>;
}

export async function openStores(config: ApiConfig, clock: () => number): Promise<Stores> {
  const retention = { finishedTtlMs: config.finishedTaskTtlMs, byteBudget: config.resultByteBudget };
  if (!config.database) {
    return {
      kind: 'ram',
      tasks: new MemoryTaskStore(retention),
      auth: new MemoryAuthStorage(),
      windowCounter: (_name, max, windowMs) => new RateLimiter(max, windowMs, clock),
      readiness: {},
      close: async () => {},
    };
  }
  const db = await openDatabase(config.database);
  return {
    kind: 'postgres',
    tasks: new PostgresTaskStore(db.sql, retention),
    auth: new PostgresAuthStorage(db.sql),
    windowCounter: (name, max, windowMs) => new PostgresRateLimiter(db.sql, name, max, windowMs, clock),
    readiness: { database: () => db.ping() },
    close: () => db.close(),
  };
}
