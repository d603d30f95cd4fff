import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerToken } from '../src/auth/authentication.js';
import { isSameOrigin, needsOriginCheck } from '../src/auth/origin-check.js';
import { readApiConfig } from '../src/config.js';
import { chooseResultFormat } from '../src/tasks/result-format.js';

describe('result format negotiation', () => {
  test('JSON for API clients, PNG for browsers and images, the query wins', () => {
    assert.equal(chooseResultFormat(undefined, undefined), 'json');
    assert.equal(chooseResultFormat(undefined, '*/*'), 'json');
    assert.equal(chooseResultFormat(undefined, 'application/json'), 'json');
    assert.equal(chooseResultFormat(undefined, 'text/html,application/xhtml+xml,*/*;q=0.8'), 'png');
    assert.equal(chooseResultFormat(undefined, 'image/webp,image/*;q=0.8'), 'png');
    assert.equal(chooseResultFormat(undefined, 'application/json, image/png;q=0.5'), 'json');
    assert.equal(chooseResultFormat('png', 'application/json'), 'png');
    assert.equal(chooseResultFormat('json', 'image/png'), 'json');
  });
});

describe('origin check', () => {
  test('only state-changing methods, and only the own or a trusted origin', () => {
    assert.equal(needsOriginCheck('GET'), false);
    assert.equal(needsOriginCheck('post'), true);
    const own = 'http://localhost:8000';
    assert.equal(isSameOrigin({ origin: own }, own, []), true);
    assert.equal(isSameOrigin({ referer: `${own}/docs/` }, own, []), true);
    assert.equal(isSameOrigin({ origin: 'https://evil.example' }, own, []), false);
    assert.equal(isSameOrigin({ origin: 'null' }, own, []), false);
    assert.equal(isSameOrigin({}, own, []), false);
    assert.equal(isSameOrigin({ origin: 'https://app.example' }, own, ['https://app.example']), true);
  });

  test('bearer tokens are read only from a well-formed header', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer   abc '), 'abc');
    assert.equal(bearerToken('Basic abc'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });
});

describe('configuration', () => {
  test('defaults', () => {
    const config = readApiConfig({});
    assert.equal(config.port, 8000);
    assert.equal(config.bcryptCost, 12);
    assert.equal(config.sessionTtlMs, 24 * 3_600_000);
    assert.equal(config.maxImageBytes, 10 * 1024 * 1024);
    assert.equal(config.maxImagePixels, 40_000_000);
    assert.equal(config.queue.amqpUrl, undefined);
  });

  test('every bad value is reported at once, by name', () => {
    assert.throws(
      () => readApiConfig({ PORT: 'eighty', BCRYPT_COST: '40', SESSION_TTL: 'forever' }),
      (error: Error) =>
        /PORT="eighty"/.test(error.message) &&
        /BCRYPT_COST="40"/.test(error.message) &&
        /SESSION_TTL/.test(error.message),
    );
  });

  test('an image cap that would not fit a broker message is refused', () => {
    assert.throws(
      () => readApiConfig({ MAX_IMAGE_BYTES: String(14 * 1024 * 1024) }),
      /MAX_IMAGE_BYTES=14680064; at most \d+ fits/,
    );
    assert.doesNotThrow(() =>
      readApiConfig({ MAX_IMAGE_BYTES: String(14 * 1024 * 1024), AMQP_MAX_MESSAGE_BYTES: String(32 * 1024 * 1024) }),
    );
  });
});
