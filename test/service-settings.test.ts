/**
 * Settings every service reads: the image caps, the log level and the task id pattern have one definition,
 * so the API and the image-processor cannot disagree on them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readApiConfig } from '@conveyor/api';
import { readImageProcessorConfig } from '@conveyor/image-processor';
import { decodeTaskMessage, isTaskId } from '@conveyor/shared';

const MiB = 1024 * 1024;

describe('settings shared by the services', () => {
  test('the API and the image-processor take the same image caps, defaults and bounds', () => {
    const api = readApiConfig({});
    const image = readImageProcessorConfig({ AMQP_URL: 'amqp://x' });
    assert.deepEqual(image.limits, { maxBytes: api.maxImageBytes, maxPixels: api.maxImagePixels });
    for (const env of [
      { MAX_IMAGE_BYTES: String(65 * MiB) },
      { MAX_IMAGE_PIXELS: '300000000' },
      { MAX_IMAGE_BYTES: '10' },
    ]) {
      assert.throws(
        () => readImageProcessorConfig({ AMQP_URL: 'amqp://x', ...env }),
        /MAX_IMAGE_/,
        JSON.stringify(env),
      );
      assert.throws(
        () => readApiConfig({ ...env, AMQP_MAX_MESSAGE_BYTES: String(128 * MiB) }),
        /MAX_IMAGE_/,
        JSON.stringify(env),
      );
    }
  });

  test('the same log levels everywhere', () => {
    assert.throws(() => readImageProcessorConfig({ AMQP_URL: 'amqp://x', LOG_LEVEL: 'verbose' }), /LOG_LEVEL/);
    assert.throws(() => readApiConfig({ LOG_LEVEL: 'verbose' }), /LOG_LEVEL/);
    assert.equal(readImageProcessorConfig({ AMQP_URL: 'amqp://x', LOG_LEVEL: 'trace' }).worker.logLevel, 'trace');
    assert.equal(readApiConfig({ LOG_LEVEL: 'trace' }).logLevel, 'trace');
  });

  test('a task id is a UUID, for the API and the message codec alike', () => {
    const id = '0b7e8f2c-3c1d-4e5f-8a9b-0c1d2e3f4a5b';
    for (const [candidate, expected] of [
      [id, true],
      [id.toUpperCase(), true],
      [`${id}0`, false],
      ['not-a-uuid', false],
    ] as const) {
      assert.equal(isTaskId(candidate), expected, candidate);
      const decoded = decodeTaskMessage({ task_id: candidate, commit_token: 't' });
      assert.equal(!decoded.ok && decoded.task_id === candidate, expected, candidate);
    }
  });
});
