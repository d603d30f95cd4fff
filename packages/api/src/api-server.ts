/**
 * The API as a running service: its stores (RAM or PostgreSQL, see stores.ts), the account and task services, the Fastify app, and the
 * housekeeping timers (expired sessions, finished tasks, throttle windows). main.ts and the all-in-one
 * launcher both start it through here; the task queue comes in from outside.
 */
import {
  type ControlBus,
  createInProcessWorkerQueries,
  type Logger,
  type TaskPublisher,
  type WorkerQueries,
} from '@conveyor/shared';
import type { Registry } from 'prom-client';
import { AccountService } from './accounts/account-service.js';
import { LoginThrottle } from './accounts/login-throttle.js';
import { PasswordHasher } from './accounts/password-hasher.js';
import { buildApp } from './app.js';
import type { ApiConfig } from './config.js';
import { LanguageCatalogue } from './languages/language-catalogue.js';
import { openStores } from './stores.js';
import { TaskService } from './tasks/task-service.js';
import { TaskWaiters } from './tasks/task-waiters.js';

const MINUTE = 60_000;
const HOUSEKEEPING_INTERVAL_MS = MINUTE;
/** The first login delay past the free failures of a name; it doubles per failure up to LOGIN_DELAY_MAX. */
const LOGIN_DELAY_BASE_MS = 250;
const LOGIN_DELAY_STEPS = 32;

export interface ApiServerParts {
  config: ApiConfig;
  publisher: TaskPublisher;
  /**
   * Questions to the workers (GET /languages asks a code worker for its versions), on the task queue's
   * transport. Without it (unit tests, the OpenAPI generator) no worker ever answers.
   */
  queries?: WorkerQueries;
  /** Where DELETE /task/{id} broadcasts cancels to the workers (the task queue's control bus). */
  control: ControlBus;
  logger: Logger;
  registry: Registry;
  /** Readiness checks besides the queue's, for /readyz. */
  readiness?: Record<string, () => boolean | Promise<boolean>>;
  /** The clock; tests move it to expire sessions. */
  now?: () => Date;
}

export async function createApiServer(parts: ApiServerParts) {
  const { config, publisher, control, logger, registry, readiness = {}, now = () => new Date() } = parts;
  const queries = parts.queries ?? createInProcessWorkerQueries();
  const clock = () => now().getTime();
  const stores = await openStores(config, clock);
  const store = stores.tasks;
  const limiters = {
    perNameAndAddress: stores.windowCounter('login-name-address', config.loginFailuresPerMinute, MINUTE),
    perAddress: stores.windowCounter('login-address', config.loginFailuresPerMinute, MINUTE),
    // Counted for the delay only; past DELAY_STEPS more failures the delay is at its maximum anyway.
    perName: stores.windowCounter('login-name', config.loginFailuresPerMinute + LOGIN_DELAY_STEPS, MINUTE),
    registerPerAddress: stores.windowCounter('register-address', config.registrationsPerMinute, MINUTE),
  };
  const loginThrottle = new LoginThrottle(limiters, {
    freeFailures: config.loginFailuresPerMinute,
    baseMs: LOGIN_DELAY_BASE_MS,
    maxMs: config.loginDelayMaxMs,
  });
  const accounts = new AccountService(
    stores.auth,
    new PasswordHasher(config.bcryptCost),
    { login: loginThrottle, registerPerAddress: limiters.registerPerAddress },
    config.sessionTtlMs,
    now,
  );
  const tasks = new TaskService(store, publisher, control, logger, { maxInFlight: config.maxTasksInFlight }, now);
  const waiters = new TaskWaiters(stores.events, config.longPollWaiters);
  const languages = new LanguageCatalogue({ queries, log: logger });
  const app = await buildApp({
    logger,
    accounts,
    languages,
    tasks,
    waiters,
    store,
    publisher,
    registry,
    settings: {
      cookieSecure: config.cookieSecure,
      trustProxy: config.trustProxy,
      publicOrigin: config.publicOrigin,
      trustedOrigins: config.trustedOrigins,
      intakeLimits: {
        image: { maxBytes: config.maxImageBytes, maxPixels: config.maxImagePixels },
        imageCostBudget: config.imageCostBudget,
      },
      maxCommitBytes: config.maxCommitBytes,
      metricsToken: config.metricsToken,
      requestTimeoutMs: config.requestTimeoutMs,
      connectionsPerAddress: config.connectionsPerAddress,
    },
    readiness: { ...stores.readiness, ...readiness },
  });

  const housekeeping = setInterval(async () => {
    try {
      const sessions = await accounts.purgeExpiredSessions();
      const dropped = await store.sweep(now());
      for (const limiter of Object.values(limiters)) await limiter.sweep();
      if (sessions || dropped) logger.info({ sessions, tasks: dropped }, 'housekeeping: expired entries removed');
    } catch (error) {
      logger.error({ err: error }, 'housekeeping failed');
    }
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  // Long-polls answer at once when the server stops, instead of holding its shutdown for up to a minute.
  app.addHook('preClose', async () => waiters.wakeAll());
  app.addHook('onClose', async () => {
    clearInterval(housekeeping);
    await stores.close();
  });

  return { app, tasks, store, accounts, waiters, storeKind: stores.kind };
}
