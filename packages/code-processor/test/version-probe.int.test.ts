/**
 * The version probe on the real engine and sandbox image: one locked-down container reads every translator's
 * version, and each equals what the image itself prints for that translator's version command (run here with
 * the Docker CLI, outside the sandbox machinery). No container is left behind.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRANSLATORS, translatorEntry } from '@conveyor/shared';
import Docker from 'dockerode';
import { SANDBOX_LABEL, WORKER_ID_LABEL } from '../src/index.js';
import { imageSays } from './image-says.js';
import { realSandbox } from './real-sandbox.js';

const { runner } = realSandbox('version-probe');

describe('the version probe on the sandbox image', () => {
  test('reads every translator’s version, equal to what the image prints, in one container that is removed', async () => {
    const started = performance.now();
    const versions = await runner.probeVersions();
    const ms = performance.now() - started;
    console.log(`probe: ${Math.round(ms)} ms for ${TRANSLATORS.length} translators: ${JSON.stringify(versions)}`);
    for (const name of TRANSLATORS) {
      const expected = await imageSays(runner.image, translatorEntry(name).version);
      assert.ok(expected !== '', `${name}: the image printed a version`);
      assert.equal(versions[name], expected, name);
    }
    const left = await new Docker().listContainers({
      all: true,
      filters: { label: [`${SANDBOX_LABEL}=1`, `${WORKER_ID_LABEL}=${runner.workerId}`] },
    });
    assert.deepEqual(left, [], 'the probe container is gone');
  });
});
