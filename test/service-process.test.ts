/**
 * The benches' service processes: a bench that fails, however it fails, leaves none of them running (they
 * hold the bench's fixed ports, so the next run would meet the stale server instead of its own).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TSX } from '../bench/service-process.js';

/** Running: it exists and is not a zombie (an orphan's exit waits for whoever adopts it to reap it). */
const alive = async (pid: number) => {
  try {
    return !/^State:\s+Z/m.test(await readFile(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

test('a bench that throws after starting a service leaves no service running', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'conveyor-service-process-'));
  try {
    const bench = join(dir, 'failing-bench.mts');
    const pidFile = join(dir, 'service.pid');
    await writeFile(
      bench,
      [
        `import { writeFile } from 'node:fs/promises';`,
        `import { startService } from ${JSON.stringify(join(process.cwd(), 'bench/service-process.ts'))};`,
        `const service = await startService(['-e', 'setInterval(() => {}, 1000)'], {}, ${JSON.stringify(join(dir, 'service.log'))});`,
        `await writeFile(${JSON.stringify(pidFile)}, String(service.pid));`,
        `throw new Error('the bench failed');`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [...TSX, bench], { stdio: 'ignore' });
    const [code] = await once(child, 'exit');
    assert.notEqual(code, 0, 'the bench failed');
    const pid = Number(await readFile(pidFile, 'utf8'));
    for (let i = 0; i < 50 && (await alive(pid)); i++) await sleep(20);
    assert.equal(await alive(pid), false, `the service (pid ${pid}) was stopped with the bench`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
