/**
 * Every entry of the translator table against the real sandbox image (SANDBOX_IMAGE): its compiler or
 * interpreter is in the image and answers its version command, and the language added as one table entry
 * (Node.js) runs end to end, plain and with tests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRANSLATORS, translatorEntry } from '@conveyor/shared';
import { realSandbox } from './real-sandbox.js';

const { run } = realSandbox('translators');

describe('the translator table against the image', { concurrency: 2 }, () => {
  test('every translator answers its version command in the sandbox', async () => {
    for (const translator of TRANSLATORS) {
      const [command, ...rest] = translatorEntry(translator).version;
      // The version command runs as the program of a Python task: the sandbox, not a shell on the host.
      const result = await run({
        translator: 'python3',
        limits: { time_ms: 15_000 },
        code: `import subprocess, sys\nr = subprocess.run(${JSON.stringify([command, ...rest])}, capture_output=True, text=True)\nprint((r.stdout or r.stderr).splitlines()[0])\nsys.exit(r.returncode)\n`,
      });
      assert.equal(result.verdict, 'ok', `${translator}: ${JSON.stringify(result)}`);
      assert.match(result.stdout, /\d+\.\d+/, `${translator}: ${result.stdout}`);
    }
  });

  test('node: hello world with stdin and arguments', async () => {
    const result = await run({
      language: 'javascript',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the program's own JavaScript template literal
      code: 'const input = require("fs").readFileSync(0, "utf8").trim();\nconsole.log(`hello ${input} ${process.argv.slice(2).join(",")}`);\n',
      stdin: 'bob\n',
      args: ['a', 'b'],
      // Node.js takes a while to start on a loaded machine.
      limits: { time_ms: 15_000 },
    });
    assert.equal(result.verdict, 'ok', JSON.stringify(result));
    assert.equal(result.stdout, 'hello bob a,b\n');
    assert.equal(result.compile, null);
  });

  test('node: tests with one wrong answer, and a thrown error is a runtime_error', async () => {
    const result = await run({
      translator: 'node',
      limits: { time_ms: 15_000 },
      code: 'const n = Number(require("fs").readFileSync(0, "utf8"));\nif (n < 0) throw new Error("negative");\nconsole.log(n * 2);\n',
      tests: [
        { stdin: '1', expected_output: '2' },
        { stdin: '2', expected_output: '5' },
        { stdin: '-1', expected_output: '-2' },
      ],
    });
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['ok', 'wrong_answer', 'runtime_error'],
      JSON.stringify(result.tests),
    );
    assert.match(result.tests?.[2]?.stderr ?? '', /negative/);
  });
});
