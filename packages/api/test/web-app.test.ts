/**
 * The web app's server side: its files at `/` with their caching and security headers, the fallback to
 * index.html for the app's own paths (and only for a browser asking for HTML), a clear page when the app
 * is not built, GET /limits from the contract, and the API's routes unchanged beside it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CODE_LIMIT_BOUNDS,
  FILTER_NAMES,
  MAX_CODE_BYTES,
  MAX_FILTER_CHAIN,
  SIGMA_BOUNDS,
  TRANSLATORS,
} from '@conveyor/shared';
import Fastify, { type FastifyInstance } from 'fastify';
import { errorHandler } from '../src/http/error-handler.js';
import { webApp } from '../src/web/web-app.js';
import { buildHarness } from './harness.js';

const LIMITS = { image: { maxBytes: 1000, maxPixels: 2000 }, imageCostBudget: 3000 };
const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

async function appOn(root: string): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(errorHandler);
  await app.register(webApp, { limits: LIMITS, root });
  // Stands for the API's own routes: they must win over the app's wildcard.
  app.get('/tasks', async () => ({ api: true }));
  await app.ready();
  return app;
}

describe('the web app served at /', () => {
  let dir: string;
  let app: FastifyInstance;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conveyor-web-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    app = await appOn(dir);
  });
  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('/ is index.html, not cached, with a CSP without inline script, nosniff and frame-ancestors none', async () => {
    const res = await app.inject({ url: '/', headers: HTML });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<title>app<\/title>/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  test('hashed assets are cached for a year, immutable, with the same headers', async () => {
    const res = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /javascript/);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    const top = await app.inject({ url: '/favicon.svg' });
    assert.equal(top.statusCode, 200);
    assert.match(String(top.headers['content-type']), /svg/);
  });

  test("an app path reloaded by a browser gets index.html; curl's unknown path keeps the JSON 404", async () => {
    const page = await app.inject({ url: '/my-tasks/5f0c6a52', headers: HTML });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>app<\/title>/);
    const json = await app.inject({ url: '/my-tasks/5f0c6a52', headers: { accept: '*/*' } });
    assert.equal(json.statusCode, 404);
    assert.equal(json.json().error.code, 'not_found');
    const missingAsset = await app.inject({ url: '/assets/missing.js', headers: HTML });
    assert.equal(missingAsset.statusCode, 404);
    assert.equal(missingAsset.json().error.code, 'not_found');
  });

  test('files outside the build are not served', async () => {
    const res = await app.inject({ url: '/assets/..%2f..%2fetc%2fpasswd' });
    assert.ok(res.statusCode === 403 || res.statusCode === 404, `got ${res.statusCode}`);
    assert.doesNotMatch(res.body, /root:/);
  });

  test("the API's routes win over the fallback, whatever the Accept header", async () => {
    const res = await app.inject({ url: '/tasks', headers: HTML });
    assert.deepEqual(res.json(), { api: true });
  });

  test('without a build the API still starts, and / says how to build the app', async () => {
    const missing = await appOn(join(dir, 'not-there'));
    try {
      const res = await missing.inject({ url: '/', headers: HTML });
      assert.equal(res.statusCode, 503);
      assert.match(res.body, /npm run build/);
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
    } finally {
      await missing.close();
    }
  });
});

describe('GET /limits and the API beside the app', () => {
  let harness: Awaited<ReturnType<typeof buildHarness>>;
  before(async () => {
    harness = await buildHarness({ maxImageBytes: 123_456, maxImagePixels: 654_321, imageCostBudget: 999_999 });
  });
  after(() => harness.app.close());

  test('GET /limits gives the caps the API enforces, from the contract and the settings', async () => {
    const res = await harness.app.inject({ url: '/limits' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(body.code.translators, [...TRANSLATORS]);
    assert.equal(body.code.max_code_bytes, MAX_CODE_BYTES);
    assert.deepEqual(body.code.time_ms, CODE_LIMIT_BOUNDS.time_ms);
    assert.deepEqual(body.code.memory_mb, CODE_LIMIT_BOUNDS.memory_mb);
    assert.equal(body.image.max_bytes, 123_456);
    assert.equal(body.image.max_pixels, 654_321);
    assert.equal(body.image.cost_budget, 999_999);
    assert.deepEqual(body.image.types, ['image/png']);
    assert.deepEqual(body.image.filters, [...FILTER_NAMES]);
    assert.deepEqual(body.image.sigma_filters, ['Blur', 'Sharpen']);
    assert.deepEqual(body.image.sigma, { exclusive_min: SIGMA_BOUNDS.min, max: SIGMA_BOUNDS.max, default: 1 });
    assert.equal(body.image.max_steps, MAX_FILTER_CHAIN);
  });

  test("a browser's GET /tasks without a session is still the API's 401, not the page", async () => {
    const res = await harness.app.inject({ url: '/tasks', headers: HTML });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthorized');
  });

  test('an unknown path asked for as JSON is the JSON 404 it always was', async () => {
    const res = await harness.app.inject({ url: '/no-such-thing' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'not_found');
  });

  test('every page answer carries the security headers, built or not', async () => {
    const res = await harness.app.inject({ url: '/', headers: HTML });
    assert.ok(res.statusCode === 200 || res.statusCode === 503);
    assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });
});
