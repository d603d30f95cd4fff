/**
 * `npm start` (scripts/all-in-one.ts) as a user runs it: one process, the embedded queue, no RabbitMQ.
 * A SIGTERM while a task runs lets the task finish and commit before the API closes (in embedded mode a task
 * sent back to the queue dies with the process), and every log line is valid JSON with one `service` key.
 * The code-processor is started too but gets no task, so neither Docker nor the sandbox image is needed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';

const root = new URL('..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A picture whose Sharpen chain takes a few hundred milliseconds at least, so a signal lands mid-task. */
async function noisePng(size: number): Promise<string> {
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return (
    await sharp(data, { raw: { width: size, height: size, channels: 3 } })
      .png()
      .toBuffer()
  ).toString('base64');
}

describe('npm start (all in one process, embedded queue)', () => {
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGKILL');
  });

  test('SIGTERM mid-task: the task commits before the API closes; each log line has one service', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--conditions=conveyor-src', '--import', 'tsx', 'scripts/all-in-one.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), AMQP_URL: '', LOG_LEVEL: 'info', LOG_PRETTY: '0', BCRYPT_COST: '4' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const exited = once(child, 'exit');

    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    while (!stdout.includes('API listening')) {
      assert.equal(child.exitCode, null, `all-in-one exited early: ${stderr}`);
      assert.ok(Date.now() < deadline, `all-in-one did not start: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const account = { username: 'newcomer', password: 'correct horse battery' };
    const post = (path: string, body: unknown, token?: string) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    assert.equal((await post('/register', account)).status, 201);
    const { token } = (await (await post('/login', account)).json()) as { token: string };
    const sharpen = { name: 'Sharpen', parameters: { sigma: 20 } };
    const submitted = await post(
      '/task',
      { filters: [sharpen, sharpen, sharpen, sharpen], image: await noisePng(1000) },
      token,
    );
    assert.equal(submitted.status, 201, await submitted.clone().text());
    const { task_id: taskId } = (await submitted.json()) as { task_id: string };
    for (;;) {
      const status = (await (
        await fetch(`${base}/status/${taskId}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as {
        stage?: string;
        status: string;
      };
      assert.equal(status.status, 'in_progress', 'the task is still running when the signal comes');
      if (status.stage === 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0, stderr);

    const lines = stdout.trim().split('\n');
    const records = lines.map((line) => JSON.parse(line) as { msg: string; task_id?: string; service: string });
    const ofTask = records.filter((record) => record.task_id === taskId).map((record) => record.msg);
    assert.ok(ofTask.includes('task finished'), `the task committed its result: ${ofTask.join(' | ')}`);
    for (const line of lines) {
      assert.doesNotThrow(() => JSON.parse(line), `not JSON: ${line}`);
      assert.equal(line.match(/"service":/g)?.length, 1, `one service key: ${line}`);
    }
  });
});
