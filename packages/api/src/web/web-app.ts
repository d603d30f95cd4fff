/**
 * The web app (packages/web) served at `/` from the same origin as the API, on the same cookie session:
 * its built files, the fallback to index.html for the app's own paths, the pages' security headers, and
 * GET /limits for the caps it checks before sending. The API's routes win over all of this (static routes
 * before the wildcard), and a client that does not ask for HTML still gets the JSON 404 for an unknown path.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IntakeLimits } from '../tasks/task-intake.js';
import { clientLimitsRoute } from './client-limits.js';
import { PAGE_HEADERS } from './page-headers.js';

export interface WebAppOptions {
  limits: IntakeLimits;
  /** The built app (index.html and assets/); default packages/web/dist beside this package. */
  root?: string;
}

/** packages/api/{src,dist}/web → packages/web/dist. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Vite names every file under assets/ by its content hash: a changed file is a new URL. */
const HASHED_PREFIX = 'assets/';
const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conveyor: web app not built</title></head>
<body><h1>The web app is not built</h1>
<p>The API is running (see <a href="/docs">/docs</a>), but the page's files are missing. Build them with
<code>npm run build</code> (or <code>npm run build -w packages/web</code>) and reload.</p></body></html>
`;

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

export async function webApp(app: FastifyInstance, options: WebAppOptions) {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  await app.register(clientLimitsRoute, { limits: options.limits });
  // Only reply.sendFile; the routes below choose what is served and how long it may be cached.
  await app.register(fastifyStatic, { root, serve: false });

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(PAGE_HEADERS);
    return payload;
  });

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(`${root}/index.html`)) {
      app.log.warn({ root }, 'the web app is not built: GET / answers 503');
      return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT_PAGE);
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };

  app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));

  app.get<{ Params: { '*': string } }>(`/${HASHED_PREFIX}*`, { schema: { hide: true } }, async (request, reply) =>
    reply.sendFile(`${HASHED_PREFIX}${request.params['*']}`, { immutable: true, maxAge: '365d' }),
  );

  // Files at the top of the build other than index.html (an icon): found once, at start.
  const topFiles = existsSync(root)
    ? (await readdir(root, { withFileTypes: true }))
        .filter((entry) => entry.isFile() && entry.name !== 'index.html')
        .map((entry) => entry.name)
    : [];
  for (const name of topFiles) {
    app.get(`/${name}`, { schema: { hide: true } }, async (_request, reply) => reply.sendFile(name, { maxAge: '1h' }));
  }

  // The app's own paths (/code, /tasks/…): a browser reloading one gets the page; anything else the JSON 404.
  app.get('/*', { schema: { hide: true } }, async (request, reply) =>
    wantsHtml(request) ? sendIndex(reply) : reply.callNotFound(),
  );
}
