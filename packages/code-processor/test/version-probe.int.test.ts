/**
 * The version probe on the real engine and sandbox image: one locked-down container reads every translator's
 * version, and each equals what the image itself prints for that translator's version command (run here with
 * the Docker CLI, outside the sandbox machinery). No container is left behind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TRANSLATORS, translatorEntry } from '@conveyor/shared';
import Docker from 'dockerode';
import { SANDBOX_LABEL, WORKER_ID_LABEL } from '../src/index.js';
import { realSandbox } from './real-sandbox.js';

const run = promisify(execFile);
const { runner } = realSandbox('version-probe');

/** What the image prints for `argv`, first non-empty line of stdout (else stderr), as the probe reads it. */
async function imageSays(argv: readonly string[]): Promise<string> {
  const { stdout, stderr } = await run('docker', ['run', '--rm', '--network', 'none', runner.image, ...argv], {
    timeout: 60_000,
  });
  const first = (text: string) =>
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim();
  return first(stdout) ?? first(stderr) ?? '';
}

describe('the version probe on the sandbox image', () => {
  test('reads every translator’s version, equal to what the image prints, in one container that is removed', async () => {
    const started = performance.now();
    const versions = await runner.probeVersions();
    const ms = performance.now() - started;
    console.log(`probe: ${Math.round(ms)} ms for ${TRANSLATORS.length} translators: ${JSON.stringify(versions)}`);
    for (const name of TRANSLATORS) {
      const expected = await imageSays(translatorEntry(name).version);
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
