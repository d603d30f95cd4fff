/** GET /healthz (the process is alive) and GET /readyz (its dependencies are up: the task queue, the database). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

export interface HealthRoutesOptions {
  /** Named readiness checks, e.g. { queue: () => publisher.isReady(), database: () => db.ping() }. */
  checks: Record<string, () => boolean | Promise<boolean>>;
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
        summary: 'Readiness: 503 while a dependency (the task queue, the database) is down',
        response: { 200: Health, 503: Health },
      },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      const entries = Object.entries(checks);
      const values = await Promise.all(entries.map(([, check]) => Promise.resolve(check()).catch(() => false)));
      const results = Object.fromEntries(entries.map(([name], i) => [name, values[i]!]));
      const ready = Object.values(results).every(Boolean);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks: results });
    },
  );
};
