/**
 * Assembles the API from its plugins. Everything it needs comes in as arguments (storage, publisher,
 * registry, logger), so tests build it with in-process parts and main.ts with the real ones.
 */
import type { Logger, TaskPublisher } from '@conveyor/shared';
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { AccountService } from './accounts/account-service.js';
import { accountsRoutes, logoutRoute } from './accounts/accounts-routes.js';
import { authentication } from './auth/authentication.js';
import { ErrorBodySchema, errorBody } from './http/api-error.js';
import { bodyValidation } from './http/body-validation.js';
import { capConnectionsPerAddress } from './http/connection-guard.js';
import { errorHandler } from './http/error-handler.js';
import { requestIdOf } from './http/request-id.js';
import { RequestLog } from './http/request-log.js';
import type { LanguageCatalogue } from './languages/language-catalogue.js';
import { languagesRoutes } from './languages/languages-routes.js';
import { apiDocs } from './ops/api-docs.js';
import { healthRoutes } from './ops/health-routes.js';
import { httpMetrics } from './ops/http-metrics.js';
import { commitRoute } from './tasks/commit-route.js';
import type { IntakeLimits } from './tasks/task-intake.js';
import type { TaskService } from './tasks/task-service.js';
import type { TaskStore } from './tasks/task-store.js';
import { TaskResultSchema, TaskStatusSchema } from './tasks/task-views.js';
import type { TaskWaiters } from './tasks/task-waiters.js';
import { tasksRoutes } from './tasks/tasks-routes.js';
import { webApp } from './web/web-app.js';

export interface AppDependencies {
  logger: Logger;
  accounts: AccountService;
  tasks: TaskService;
  /** Long-polls (`?wait=N`); woken by the store's task events. */
  waiters: TaskWaiters;
  store: TaskStore;
  /** GET /languages: the translators with the versions a code worker reports. */
  languages: LanguageCatalogue;
  publisher: TaskPublisher;
  registry: Registry;
  /** Readiness checks besides the queue's, for /readyz. */
  readiness?: Record<string, () => boolean | Promise<boolean>>;
  settings: {
    cookieSecure: boolean;
    /** The API's public origin (PUBLIC_URL); unset: the request's own scheme and Host. */
    publicOrigin?: string | undefined;
    trustedOrigins: string[];
    intakeLimits: IntakeLimits;
    maxCommitBytes: number;
    metricsToken: string | undefined;
    /** Trust X-Forwarded-* from a reverse proxy (for the client address used by the throttles). */
    trustProxy?: boolean;
    requestTimeoutMs?: number;
    connectionsPerAddress?: number;
  };
}

/** Node checks request timeouts on an interval (30 s by default); check often enough to honour short ones. */
function checkingInterval(requestTimeoutMs: number): number {
  return Math.min(30_000, Math.max(250, Math.floor(requestTimeoutMs / 4)));
}

export async function buildApp(deps: AppDependencies) {
  const { settings } = deps;
  const requestTimeoutMs = settings.requestTimeoutMs ?? 30_000;
  const app = Fastify({
    loggerInstance: deps.logger,
    // The client's X-Request-Id only when short and plain (see request-id.ts).
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new RequestLog(),
    trustProxy: settings.trustProxy ?? false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    schemaController: bodyValidation,
    // Errors Fastify meets before routing (a path parameter over maxParamLength, a bad URL) in the API's
    // shape, without echoing the URL.
    frameworkErrors: (error, _request, reply) => {
      (reply as FastifyReply)
        .code(400)
        .send(errorBody('bad_request', `the request is malformed (${error.code ?? error.message})`));
    },
    // A stalled or trickling request (headers and body) is answered 408 and closed after requestTimeout; a
    // connection silent for twice that is closed without an answer (the 408 comes first when both apply).
    requestTimeout: requestTimeoutMs,
    connectionTimeout: 2 * requestTimeoutMs,
    http: {
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: checkingInterval(requestTimeoutMs),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  capConnectionsPerAddress(app.server, settings.connectionsPerAddress ?? 0);

  // JSON and multipart only: a text/plain body is a 415, not a string handed to the routes.
  app.removeContentTypeParser('text/plain');
  app.addSchema(ErrorBodySchema);
  app.addSchema(TaskStatusSchema);
  app.addSchema(TaskResultSchema);
  await app.register(errorHandler);
  await app.register(apiDocs);
  await app.register(cookie);
  await app.register(fp(httpMetrics), { registry: deps.registry, store: deps.store, token: settings.metricsToken });
  await app.register(healthRoutes, { checks: { queue: () => deps.publisher.isReady(), ...deps.readiness } });
  await app.register(accountsRoutes, { accounts: deps.accounts, cookieSecure: settings.cookieSecure });
  await app.register(commitRoute, { tasks: deps.tasks, maxCommitBytes: settings.maxCommitBytes });
  await app.register(languagesRoutes, { catalogue: deps.languages });
  await app.register(webApp, { limits: settings.intakeLimits });

  // Everything registered in this scope needs a user's session.
  await app.register(async (userScope) => {
    await userScope.register(authentication, {
      accounts: deps.accounts,
      publicOrigin: settings.publicOrigin,
      trustedOrigins: settings.trustedOrigins,
    });
    await userScope.register(logoutRoute, { accounts: deps.accounts });
    await userScope.register(tasksRoutes, {
      tasks: deps.tasks,
      waiters: deps.waiters,
      limits: settings.intakeLimits,
    });
  });
  return app;
}
