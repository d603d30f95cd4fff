/** OpenAPI 3 generated from the route schemas: the document at /openapi.json, Swagger UI at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const apiDocs = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    // Shared schemas keep their $id as their name in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `schema-${i}`) },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Conveyor API',
        version: '0.1.0',
        description:
          'Submit code tasks (C, C++, Python run in a locked-down container) and image tasks (PNG filters), poll their status and fetch results. Log in at POST /login and send the token as `Authorization: Bearer <token>`.',
      },
      tags: [
        { name: 'accounts', description: 'Register, log in, log out' },
        { name: 'tasks', description: 'Submit tasks and read their results' },
        { name: 'workers', description: 'Used by the processors, not by users' },
        { name: 'operations', description: 'Health, readiness, metrics' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the token from POST /login' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'conveyor_session', description: 'set by POST /login' },
          commitToken: { type: 'http', scheme: 'bearer', description: "a task's commit token, from its queue message" },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
