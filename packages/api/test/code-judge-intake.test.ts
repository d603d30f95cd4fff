/**
 * POST /task with the judge's fields: what is accepted and queued normalised, and every kind of bad input
 * refused at the door with a 400 or 413 naming the field, nothing queued.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_FILES_BYTES, MAX_INPUT_BYTES, MAX_TESTS } from '@conveyor/shared';
import { buildHarness } from './harness.js';

const C = '#include <stdio.h>\nint main(void) { return 0; }\n';

/** A logged-in user's POST /task, and what the queue was given. */
async function poster() {
  const { app, login, publisher } = await buildHarness();
  const { auth } = await login();
  const post = (payload: unknown) =>
    app.inject({ method: 'POST', url: '/task', headers: auth, payload: payload as object });
  return { post, published: publisher.published };
}

describe('POST /task: code tasks as a judge', () => {
  test('tests, compare, stop_on_failure, files, compiler options: queued normalised', async () => {
    const { post, published } = await poster();
    const res = await post({
      translator: 'c',
      code: C,
      tests: [{ stdin: '1', expected_output: '1', name: 'one' }, { args: ['-v'] }],
      compare: { float: { abs: 1e-6 } },
      stop_on_failure: true,
      files: [
        { name: 'lib/util.h', content: 'int f(void);\n' },
        { name: 'data.bin', content: 'AAEC', encoding: 'base64' },
      ],
      compiler_options: ['-O3', '-std=c11', '-DN=10', '-lm'],
      limits: { total_time_ms: 20_000 },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(published.at(-1)?.payload, {
      translator: 'gcc',
      code: C,
      stdin: '',
      limits: { total_time_ms: 20_000 },
      compiler_options: ['-O3', '-std=c11', '-DN=10', '-lm'],
      files: [
        { name: 'lib/util.h', content: Buffer.from('int f(void);\n').toString('base64'), encoding: 'base64' },
        { name: 'data.bin', content: 'AAEC', encoding: 'base64' },
      ],
      tests: [
        { name: 'one', stdin: '1', expected_output: '1', args: [] },
        { stdin: '', args: ['-v'] },
      ],
      compare: { float: { abs: 1e-6, rel: 0 } },
      stop_on_failure: true,
    });
  });

  test('the translator table: node and its aliases, like every other entry', async () => {
    const { post, published } = await poster();
    for (const language of ['node', 'NodeJS', 'javascript', 'js']) {
      const res = await post({ language, code: 'x' });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal((published.at(-1)!.payload as { translator: string }).translator, 'node');
    }
  });

  test('a plain task is queued exactly as before: no judge fields appear', async () => {
    const { post, published } = await poster();
    const res = await post({ translator: 'gcc', code: C });
    assert.equal(res.statusCode, 201);
    assert.deepEqual(published.at(-1)?.payload, { translator: 'gcc', code: C, stdin: '', limits: {} });
  });

  test('bad judge fields are 400 or 413 naming the field, and nothing is queued', async () => {
    const { post, published } = await poster();
    const gcc = (extra: Record<string, unknown>) => ({ translator: 'gcc', code: C, ...extra });
    const big = 'x'.repeat(600 * 1024);
    const cases: Array<[unknown, number, string]> = [
      [gcc({ compiler_options: ['-O2', '-fplugin=evil.so'] }), 400, 'compiler_options[1]'],
      [gcc({ compiler_options: ['-O2 -o /etc/passwd'] }), 400, 'compiler_options[0]'],
      [gcc({ compiler_options: ['-DX=$(rm -rf /)'] }), 400, 'compiler_options[0]'],
      [gcc({ compiler_options: ['-std=c++17'] }), 400, 'compiler_options[0]'],
      [gcc({ compiler_options: '-O2' }), 400, 'compiler_options'],
      [{ translator: 'python3', code: 'x', compiler_options: ['-O2'] }, 400, 'compiler_options'],
      [gcc({ files: [{ name: '../etc/passwd', content: 'x' }] }), 400, 'files[0].name'],
      [gcc({ files: [{ name: '/etc/passwd', content: 'x' }] }), 400, 'files[0].name'],
      [gcc({ files: [{ name: 'a/../../b', content: 'x' }] }), 400, 'files[0].name'],
      [gcc({ files: [{ name: '.hidden', content: 'x' }] }), 400, 'files[0].name'],
      [gcc({ files: [{ name: 'link', content: '', target: '/etc/passwd' }] }), 400, 'files[0].target'],
      [gcc({ files: [{ name: 'link', symlink: '/etc/passwd' }] }), 400, 'files[0].symlink'],
      [gcc({ files: [{ name: 'main.c', content: 'x' }] }), 400, 'files[0].name'],
      [gcc({ files: [{ name: 'main', content: 'x' }] }), 400, 'files[0].name'],
      [
        gcc({
          files: [
            { name: 'a', content: 'x' },
            { name: 'a', content: 'y' },
          ],
        }),
        400,
        'files[1].name',
      ],
      [gcc({ files: [{ name: 'a', content: '***', encoding: 'base64' }] }), 400, 'files[0].content'],
      [gcc({ files: Array.from({ length: 17 }, (_, i) => ({ name: `f${i}`, content: '' })) }), 413, 'files'],
      [gcc({ files: [{ name: 'a', content: 'x'.repeat(MAX_FILES_BYTES + 1) }] }), 413, 'files[0].content'],
      [gcc({ tests: [] }), 400, 'tests'],
      [gcc({ tests: Array.from({ length: MAX_TESTS + 1 }, () => ({})) }), 413, 'tests'],
      [gcc({ tests: [{ stdin: 5 }] }), 400, 'tests[0].stdin'],
      [gcc({ tests: [{ expected: 'x' }] }), 400, 'tests[0].expected'],
      [gcc({ tests: [{ args: Array(33).fill('a') }] }), 400, 'tests[0].args'],
      [gcc({ tests: [{ args: ['x'.repeat(1025)] }] }), 413, 'tests[0].args[0]'],
      [gcc({ tests: [{ stdin: big }, { expected_output: big }] }), 413, 'tests[1].expected_output'],
      [gcc({ stdin: 'x'.repeat(MAX_INPUT_BYTES), args: ['a'] }), 413, 'args[0]'],
      [gcc({ tests: [{}], compare: 'fuzzy' }), 400, 'compare'],
      [gcc({ tests: [{}], compare: { float: { abs: -1 } } }), 400, 'compare.float.abs'],
      [gcc({ tests: [{}], stop_on_failure: 'yes' }), 400, 'stop_on_failure'],
      [gcc({ compare: 'exact' }), 400, 'compare'],
      [gcc({ tests: [{}], args: ['a'] }), 400, 'args'],
      [gcc({ tests: [{}], stdin: 'x' }), 400, 'stdin'],
      [gcc({ limits: { total_time_ms: 10 } }), 400, 'limits.total_time_ms'],
      [{ translator: 'constructor', code: 'x' }, 400, 'translator'],
      [{ language: '__proto__', code: 'x' }, 400, 'language'],
    ];
    for (const [payload, status, field] of cases) {
      const res = await post(payload);
      assert.equal(res.statusCode, status, `${JSON.stringify(payload).slice(0, 120)} → ${res.body.slice(0, 300)}`);
      assert.equal(res.json().error.field, field, res.body.slice(0, 300));
      assert.ok(res.json().error.message.length > 0);
    }
    assert.equal(published.length, 0);
  });
});
