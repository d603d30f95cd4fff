/**
 * Code tasks as a judge, on the real Docker engine and sandbox image (SANDBOX_IMAGE): tests compiled once,
 * compare modes, stop_on_failure, files, compiler options, arguments, and measured CPU time and memory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { realSandbox } from './real-sandbox.js';

const { run } = realSandbox('judge');

const SQUARE_C =
  '#include <stdio.h>\nint main(void) { long n; while (scanf("%ld", &n) == 1) printf("%ld\\n", n * n); return 0; }\n';

describe('code tasks as a judge', { concurrency: 2 }, () => {
  test('three tests, one wrong answer: per-test verdicts, the diff located, compiled once', async () => {
    const result = await run({
      translator: 'gcc',
      code: SQUARE_C,
      tests: [
        { name: 'small', stdin: '2\n', expected_output: '4\n' },
        { name: 'two', stdin: '3 4\n', expected_output: '9\n15\n' },
        { name: 'zero', stdin: '0', expected_output: '0' },
      ],
    });
    assert.equal(result.verdict, 'wrong_answer', JSON.stringify(result));
    assert.deepEqual(
      result.tests?.map((t) => [t.name, t.verdict]),
      [
        ['small', 'ok'],
        ['two', 'wrong_answer'],
        ['zero', 'ok'],
      ],
    );
    assert.deepEqual(result.tests?.[1]?.mismatch, { line: 2, token: null, expected: '15', actual: '16' });
    assert.equal(result.tests?.[1]?.stdout, '9\n16\n');
    assert.deepEqual([result.passed, result.total], [2, 3]);
    assert.equal(result.compile?.exit_code, 0);
    for (const t of result.tests ?? []) {
      assert.equal(t.exit_code, 0);
      assert.ok((t.memory_kb ?? 0) > 0, 'peak memory measured');
      assert.ok(t.cpu_time_ms !== null, 'CPU time measured');
    }
  });

  test('stop_on_failure: the tests after the first failure are skipped', async () => {
    const result = await run({
      translator: 'python3',
      code: 'import sys\nn = int(input())\nprint(n * 2)\nsys.exit(3 if n == 2 else 0)\n',
      stop_on_failure: true,
      tests: [
        { stdin: '1', expected_output: '2' },
        { stdin: '2', expected_output: '4' },
        { stdin: '3', expected_output: '6' },
      ],
    });
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['ok', 'runtime_error', 'skipped'],
    );
    assert.equal(result.verdict, 'runtime_error');
    assert.equal(result.tests?.[1]?.exit_code, 3);
  });

  test('each compare mode; floats within and outside the tolerance', async () => {
    const printf = (text: string) =>
      run({
        translator: 'python3',
        code: 'import sys\nsys.stdout.write(sys.stdin.read())\n',
        compare: 'exact',
        tests: [{ stdin: text, expected_output: text }],
      });
    assert.equal((await printf('a \n')).verdict, 'ok');
    const modes = async (compare: unknown, printed: string, expected: string) =>
      (
        await run({
          translator: 'python3',
          code: 'import sys\nsys.stdout.write(sys.stdin.read())\n',
          compare,
          tests: [{ stdin: printed, expected_output: expected }],
        })
      ).tests?.[0]?.verdict;
    assert.equal(await modes('exact', '1\n2 \n', '1\n2\n'), 'wrong_answer');
    assert.equal(await modes('lines', '1\n2 \n\n', '1\n2'), 'ok');
    assert.equal(await modes('tokens', '1 2\n3', '1\n2\n3\n'), 'ok');
    assert.equal(await modes({ float: { abs: 1e-6, rel: 0 } }, '3.1415926', '3.14159265'), 'ok');
    assert.equal(await modes({ float: { abs: 1e-6, rel: 0 } }, '3.1416', '3.14159265'), 'wrong_answer');
  });

  test('a multi-file C++ program with a header, a data file, options and arguments', async () => {
    const result = await run({
      translator: 'g++',
      code: '#include "lib/add.hpp"\n#include <fstream>\n#include <iostream>\nint main(int argc, char** argv) { std::ifstream f("data/n.txt"); int n; f >> n; std::cout << add(n, SCALE) << " " << argc << " " << argv[1] << "\\n"; }\n',
      files: [
        { name: 'lib/add.hpp', content: 'int add(int a, int b);\n' },
        { name: 'lib/add.cpp', content: '#include "add.hpp"\nint add(int a, int b) { return a + b; }\n' },
        { name: 'data/n.txt', content: Buffer.from('40').toString('base64'), encoding: 'base64' },
      ],
      compiler_options: ['-O0', '-std=c++17', '-DSCALE=2', '-Wextra'],
      tests: [
        { stdin: '', args: ['x y'], expected_output: '42 2 x y' },
        { stdin: '', args: ['z'], expected_output: '42 2 z' },
      ],
    });
    assert.equal(result.verdict, 'ok', JSON.stringify(result));
  });

  test('each test runs in a fresh directory: files a run leaves are gone in the next', async () => {
    const result = await run({
      translator: 'python3',
      code: 'import os\nprint(sorted(os.listdir(".")))\nopen("left.txt", "w").write("x")\n',
      files: [{ name: 'data.txt', content: 'd' }],
      tests: [{ expected_output: "['data.txt', 'main.py']" }, { expected_output: "['data.txt', 'main.py']" }],
    });
    assert.equal(result.verdict, 'ok', JSON.stringify(result.tests));
  });

  test('a plain task without tests is one run, with its CPU time and peak memory, and its arguments', async () => {
    const result = await run({ translator: 'python3', code: 'import sys\nprint(sys.argv[1:])\n', args: ['a', 'b c'] });
    assert.equal(result.stdout, "['a', 'b c']\n");
    assert.equal(result.tests, undefined);
    assert.ok((result.memory_kb ?? 0) > 1000, `memory_kb ${result.memory_kb}`);
    assert.ok(result.cpu_time_ms !== null && result.cpu_time_ms !== undefined);
  });

  test('CPU time: a busy loop is close to its wall time, a sleeping program close to 0', async () => {
    // The loop burns 500 ms of its own CPU time (the kernel's count, as the program sees it) and prints it,
    // so the check holds on a loaded machine too, where its wall time is longer than its CPU time.
    const busy = await run({
      translator: 'gcc',
      code: '#define _POSIX_C_SOURCE 199309L\n#include <stdio.h>\n#include <time.h>\nstatic long ms(clockid_t c) { struct timespec t; clock_gettime(c, &t); return t.tv_sec * 1000 + t.tv_nsec / 1000000; }\nint main(void) { volatile unsigned long x = 0; while (ms(CLOCK_PROCESS_CPUTIME_ID) < 500) x++; printf("%ld\\n", ms(CLOCK_PROCESS_CPUTIME_ID)); return 0; }\n',
      // A loaded machine may lend it a small share of a CPU: room to get its 500 ms.
      limits: { time_ms: 15_000 },
      tests: [{}],
    });
    const sleeper = await run({ translator: 'python3', code: 'import time\ntime.sleep(0.7)\n' });
    const b = busy.tests?.[0];
    assert.ok(b && b.verdict === 'ok' && b.cpu_time_ms !== null, JSON.stringify(busy));
    const ownCount = Number(b.stdout);
    assert.ok(ownCount >= 500, b.stdout);
    assert.ok(
      Math.abs(b.cpu_time_ms - ownCount) <= 30,
      `measured ${b.cpu_time_ms} ms, the program counted ${ownCount} ms`,
    );
    assert.ok(b.cpu_time_ms <= b.time_ms + 20, `cpu ${b.cpu_time_ms} ms within wall ${b.time_ms} ms`);
    assert.ok(sleeper.time_ms >= 700, `wall ${sleeper.time_ms}`);
    assert.ok((sleeper.cpu_time_ms ?? 1e9) < 200, `cpu ${sleeper.cpu_time_ms}`);
  });

  test('memory_kb of a program that touches 100 MiB is at least 100 MiB', async () => {
    const result = await run({
      translator: 'gcc',
      // The size comes from stdin and the bytes are read back, so the compiler cannot drop the allocation.
      code: '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint main(void) { size_t mb; if (scanf("%zu", &mb) != 1) return 2; size_t n = mb << 20; char* p = malloc(n); memset(p, 1, n); long s = 0; for (size_t i = 0; i < n; i += 4096) s += p[i]; printf("%ld\\n", s); return 0; }\n',
      stdin: '100',
      limits: { memory_mb: 256, time_ms: 15_000 },
    });
    assert.equal(result.verdict, 'ok', JSON.stringify(result));
    assert.ok((result.memory_kb ?? 0) >= 100 * 1024, `memory_kb ${result.memory_kb}`);
  });

  test('a test that goes over the memory limit is memory_limit, the next one still runs', async () => {
    const result = await run({
      translator: 'gcc',
      code: '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint main(void) { int mb; if (scanf("%d", &mb) != 1) return 2; size_t n = (size_t)mb << 20; char* p = malloc(n); if (p) memset(p, 1, n); long s = 0; for (size_t i = 0; p && i < n; i += 4096) s += p[i]; printf("done %d\\n", s > 0); return 0; }\n',
      limits: { memory_mb: 64 },
      tests: [
        { stdin: '200', expected_output: 'done 1' },
        { stdin: '1', expected_output: 'done 1' },
      ],
    });
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['memory_limit', 'ok'],
      JSON.stringify(result.tests),
    );
  });

  test('per-test time limit, and output past the limit in one test', async () => {
    const result = await run({
      translator: 'python3',
      code: 'import sys\nk = input()\nif k == "loop":\n    while True: pass\nif k == "flood":\n    sys.stdout.write("x" * (1 << 20))\nprint(k)\n',
      limits: { time_ms: 1_500 },
      tests: [{ stdin: 'loop' }, { stdin: 'flood' }, { stdin: 'fine', expected_output: 'fine' }],
    });
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['time_limit', 'output_limit', 'ok'],
      JSON.stringify({ ...result, tests: result.tests?.map((t) => ({ ...t, stdout: t.stdout.slice(0, 50) })) }),
    );
    assert.equal(result.tests?.[1]?.stdout.length, 64 * 1024);
    assert.equal(result.tests?.[1]?.truncated, true);
  });

  test('the total time limit ends the task: the test it cut is time_limit, the rest skipped', async () => {
    const result = await run({
      translator: 'python3',
      code: 'import time\ntime.sleep(0.4)\nprint("ok")\n',
      limits: { total_time_ms: 2_000 },
      tests: Array.from({ length: 10 }, () => ({ expected_output: 'ok' })),
    });
    assert.equal(result.verdict, 'time_limit');
    // Some tests pass, the one running when the time ran out is time_limit, and nothing runs after it.
    const verdicts = (result.tests ?? []).map((t) => t.verdict).join(' ');
    assert.match(verdicts, /^(ok )+time_limit( skipped)+$/);
  });

  test('a compiler option that fails to compile is a compile_error, the tests skipped', async () => {
    const result = await run({
      translator: 'gcc',
      code: 'int main(void) { int unused; return 0; }\n',
      compiler_options: ['-Wall', '-Werror'],
      tests: [{}],
    });
    assert.equal(result.verdict, 'compile_error');
    assert.match(result.compile?.stderr ?? '', /unused/);
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['skipped'],
    );
  });
});
