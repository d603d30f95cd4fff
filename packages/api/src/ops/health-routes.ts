/** GET /healthz (the process is alive) and GET /readyz (its dependencies are up: the task queue). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

export interface HealthRoutesOptions {
  /** Named readiness checks, e.g. { queue: () => publisher.isReady() }. */
  checks: Record<string, () => boolean>;
}

const Health = Type.Object({
  status: Type.String({ examples: ['ok'] }),
  checks: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
});

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { checks }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'Liveness', response: { 200: Health } }, logLevel: 'warn' },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 503 while a dependency (the task queue) is down',
        response: { 200: Health, 503: Health },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      const results = Object.fromEntries(Object.entries(checks).map(([name, check]) => [name, check()]));
      const ready = Object.values(results).every(Boolean);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: results });
    },
  );
};
