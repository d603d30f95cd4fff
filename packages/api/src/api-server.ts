/**
 * The API as a running service: RAM storage, the account and task services, the Fastify app, and the
 * housekeeping timers (expired sessions, finished tasks, throttle windows). main.ts and the all-in-one
 * launcher both start it through here; the task queue comes in from outside.
 */
import type { Logger, TaskPublisher } from '@conveyor/shared';
import type { Registry } from 'prom-client';
import { AccountService } from './accounts/account-service.js';
import { LoginThrottle } from './accounts/login-throttle.js';
import { MemoryAuthStorage } from './accounts/memory-auth-storage.js';
import { PasswordHasher } from './accounts/password-hasher.js';
import { RateLimiter } from './accounts/rate-limiter.js';
import { buildApp } from './app.js';
import type { ApiConfig } from './config.js';
import { MemoryTaskStore } from './tasks/memory-task-store.js';
import { TaskService } from './tasks/task-service.js';

const MINUTE = 60_000;
const HOUSEKEEPING_INTERVAL_MS = MINUTE;
/** The first login delay past the free failures of a name; it doubles per failure up to LOGIN_DELAY_MAX. */
const LOGIN_DELAY_BASE_MS = 250;
const LOGIN_DELAY_STEPS = 32;

export interface ApiServerParts {
  config: ApiConfig;
  publisher: TaskPublisher;
  logger: Logger;
  registry: Registry;
  /** Readiness checks besides the queue's, for /readyz. */
  readiness?: Record<string, () => boolean>;
  /** The clock; tests move it to expire sessions. */
  now?: () => Date;
}

export async function createApiServer(parts: ApiServerParts) {
  const { config, publisher, logger, registry, readiness = {}, now = () => new Date() } = parts;
  const clock = () => now().getTime();
  const store = new MemoryTaskStore({ finishedTtlMs: config.finishedTaskTtlMs, byteBudget: config.resultByteBudget });
  const limiters = {
    perNameAndAddress: new RateLimiter(config.loginFailuresPerMinute, MINUTE, clock),
    perAddress: new RateLimiter(config.loginFailuresPerMinute, MINUTE, clock),
    // Counted for the delay only; past DELAY_STEPS more failures the delay is at its maximum anyway.
    perName: new RateLimiter(config.loginFailuresPerMinute + LOGIN_DELAY_STEPS, MINUTE, clock),
    registerPerAddress: new RateLimiter(config.registrationsPerMinute, MINUTE, clock),
  };
  const loginThrottle = new LoginThrottle(limiters, {
    freeFailures: config.loginFailuresPerMinute,
    baseMs: LOGIN_DELAY_BASE_MS,
    maxMs: config.loginDelayMaxMs,
  });
  const accounts = new AccountService(
    new MemoryAuthStorage(),
    new PasswordHasher(config.bcryptCost),
    { login: loginThrottle, registerPerAddress: limiters.registerPerAddress },
    config.sessionTtlMs,
    now,
  );
  const tasks = new TaskService(store, publisher, logger, { maxInFlight: config.maxTasksInFlight }, now);
  const app = await buildApp({
    logger,
    accounts,
    tasks,
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
    readiness,
  });

  const housekeeping = setInterval(async () => {
    try {
      const sessions = await accounts.purgeExpiredSessions();
      const dropped = await store.sweep(now());
      for (const limiter of Object.values(limiters)) limiter.sweep();
      if (sessions || dropped) logger.info({ sessions, tasks: dropped }, 'housekeeping: expired entries removed');
    } catch (error) {
      logger.error({ err: error }, 'housekeeping failed');
    }
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  app.addHook('onClose', async () => clearInterval(housekeeping));

  return { app, tasks, store, accounts };
}
