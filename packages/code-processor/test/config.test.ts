/** The code-processor's settings: the warm pool's size defaults to the worker's concurrency; 0 turns it off. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readCodeProcessorConfig } from '../src/config.js';

const env = { AMQP_URL: 'amqp://x', API_URL: 'http://127.0.0.1:1' };

describe('code-processor settings', () => {
  test('SANDBOX_POOL_SIZE: the concurrency unless set; 0 is no pool; negative or huge is refused', () => {
    assert.equal(readCodeProcessorConfig({ ...env, CONCURRENCY: '3' }).poolSize, 3);
    assert.equal(readCodeProcessorConfig({ ...env, CONCURRENCY: '3', SANDBOX_POOL_SIZE: '0' }).poolSize, 0);
    assert.equal(readCodeProcessorConfig({ ...env, SANDBOX_POOL_SIZE: '5' }).poolSize, 5);
    for (const value of ['-1', '257', 'two'])
      assert.throws(() => readCodeProcessorConfig({ ...env, SANDBOX_POOL_SIZE: value }), /SANDBOX_POOL_SIZE/, value);
  });
});
