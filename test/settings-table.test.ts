/**
 * The settings table is the one source of truth: each service reads exactly the settings the table says it
 * uses (watched through an environment that records every name read), the defaults it reads are the
 * table's, and docs/configuration.md is what the table renders.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readApiConfig } from '@conveyor/api';
import { readCodeProcessorConfig } from '@conveyor/code-processor';
import { readImageProcessorConfig } from '@conveyor/image-processor';
import { EnvReader, renderConfigurationDoc, SETTINGS, type Service } from '@conveyor/shared';

/** An empty environment that remembers which variables were asked for. */
function recordingEnv(): { env: Record<string, string | undefined>; read: Set<string> } {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
  });
  return { env, read };
}

const readers: Record<Service, (env: Record<string, string | undefined>) => unknown> = {
  api: readApiConfig,
  'code-processor': readCodeProcessorConfig,
  'image-processor': readImageProcessorConfig,
};

describe('settings table', () => {
  for (const [service, readConfig] of Object.entries(readers) as [Service, (typeof readers)[Service]][]) {
    test(`${service} reads exactly the settings the table gives it`, () => {
      const { env, read } = recordingEnv();
      readConfig(env);
      const expected = Object.values(SETTINGS)
        .filter((s) => (s.services as readonly Service[]).includes(service))
        .map((s) => s.name)
        .sort();
      assert.deepEqual([...read].sort(), expected);
    });
  }

  test("unset settings read as the table's defaults, per service where they differ", () => {
    const api = readApiConfig({});
    assert.equal(api.port, SETTINGS.PORT.default);
    assert.equal(api.shutdownGraceMs, 10_000);
    assert.equal(readImageProcessorConfig({}).worker.shutdownGraceMs, SETTINGS.SHUTDOWN_GRACE.default);
    assert.equal(readImageProcessorConfig({}).worker.healthPort, 8082);
    assert.equal(readCodeProcessorConfig({}).worker.healthPort, 8081);
    assert.equal(readCodeProcessorConfig({}).limits.runTimeMs.default, SETTINGS.RUN_TIME_LIMIT.default);
  });

  test('a value out of its bounds is refused with the name and the bounds', () => {
    const read = new EnvReader({ PORT: '70000' });
    read.setting(SETTINGS.PORT);
    assert.throws(() => read.done(), /PORT="70000": expected an integer from 0 to 65535/);
  });

  test('docs/configuration.md is up to date (npm run docs:config)', () => {
    const onDisk = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(onDisk, renderConfigurationDoc(SETTINGS));
  });
});
