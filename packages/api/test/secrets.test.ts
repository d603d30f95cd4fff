import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashToken, newToken, sameDigest } from '../src/accounts/secrets.js';

test('hashToken is the hex SHA-256 of the token (what the stores hold for sessions and commit tokens)', () => {
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const token = newToken();
  assert.ok(sameDigest(hashToken(token), hashToken(token)));
  assert.ok(!sameDigest(hashToken(token), hashToken(newToken())));
});
