/**
 * Prometheus metrics: request counts and latencies by route, tasks by type and status, served at /metrics
 * (optionally behind a bearer token). The registry is passed in, so nothing is global.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Gauge, type Registry } from 'prom-client';
import { bearerToken } from '../auth/authentication.js';
import { sendError } from '../http/api-error.js';
import type { TaskStore } from '../tasks/task-store.js';
import { RequestMetrics } from './request-metrics.js';

export interface HttpMetricsOptions {
  registry: Registry;
  store: TaskStore;
  /** When set, /metrics needs `Authorization: Bearer <token>`; when unset, it answers loopback clients only. */
  token: string | undefined;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * A request from this host itself: the TCP peer is a loopback address and no proxy forwarded it (a reverse
 * proxy on this host would otherwise make every client look local).
 */
function fromLoopback(request: FastifyRequest): boolean {
  return LOOPBACK.test(request.socket.remoteAddress ?? '') && request.headers['x-forwarded-for'] === undefined;
}

export const httpMetrics: FastifyPluginAsyncTypebox<HttpMetricsOptions> = async (app, { registry, store, token }) => {
  const requests = new RequestMetrics({
    registry,
    counterName: 'conveyor_http_requests_total',
    counterHelp: 'HTTP requests by route, method and status code',
    histogramName: 'conveyor_http_request_duration_seconds',
    histogramHelp: 'HTTP request latency by route and method',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  });
  new Gauge({
    name: 'conveyor_tasks',
    help: 'Tasks held by the API, by type and status',
    labelNames: ['type', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const { type, status, count } of await store.counts()) this.set({ type, status }, count);
    },
  });

  // Hooks on the root instance (see app.ts: this plugin is wrapped so they see every route).
  // A callback hook, not an async one: it does not wait for anything, and a promise a request is not free.
  app.addHook('onResponse', (request, reply, done) => {
    requests.record(
      request.routeOptions.url ?? 'unmatched',
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics: loopback clients only, unless METRICS_TOKEN is set (then that bearer token)',
        produces: ['text/plain'],
      },
      logLevel: 'warn',
    },
    async (request, reply) => {
      if (token && bearerToken(request.headers.authorization) !== token) {
        reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
        return sendError(reply, 'unauthorized', 'the metrics token is required');
      }
      if (!token && !fromLoopback(request)) {
        return sendError(
          reply,
          'forbidden',
          '/metrics answers only on the loopback address; set METRICS_TOKEN to scrape it from elsewhere',
        );
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
