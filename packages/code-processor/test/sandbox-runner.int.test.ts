/**
 * The sandbox against the real Docker engine and the real sandbox image (SANDBOX_IMAGE, default
 * conveyor-sandbox:latest): every translator, and the abuse cases the sandbox must contain.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { CodeTaskPayload, Translator } from '@conveyor/shared';
import Docker from 'dockerode';
import { DEFAULT_SANDBOX_LIMITS, SANDBOX_LABEL, SandboxRunner, SandboxSweeper, WORKER_ID_LABEL } from '../src/index.js';

const docker = new Docker();
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const workerId = `test-${randomUUID()}`;
const runner = new SandboxRunner({ docker, workerId, image });
const KiB = 1024;

function task(translator: Translator, code: string, extra: Partial<CodeTaskPayload> = {}): CodeTaskPayload {
  return { translator, code, stdin: '', limits: {}, ...extra };
}

function run(payload: CodeTaskPayload) {
  return runner.run(payload, { taskId: randomUUID() });
}

async function containersOf(worker: string) {
  return docker.listContainers({
    all: true,
    filters: { label: [`${SANDBOX_LABEL}=1`, `${WORKER_ID_LABEL}=${worker}`] },
  });
}

const HELLO_C =
  '#include <stdio.h>\nint main(void) { puts("hello from C"); fputs("to stderr\\n", stderr); return 0; }\n';
const HELLO_CPP =
  '#include <iostream>\n#include <vector>\nint main() { std::vector<int> v{1, 2, 3}; std::cout << "hello from C++ " << v.size() << "\\n"; std::cerr << "to stderr\\n"; }\n';

after(async () => {
  // The suite's own guarantee is tested below; this only keeps a failed run from leaving containers behind.
  await new SandboxSweeper({ docker, deployment: runner.deployment, workerId, image, working: () => new Set() }).sweep({
    all: true,
  });
});

describe('sandbox runner', { concurrency: 3 }, () => {
  test('is ready when Docker answers and the image exists', async () => {
    assert.equal(await runner.isReady(), true);
  });

  test('is not ready when Docker is unreachable or the image is missing', async () => {
    const unreachable = new SandboxRunner({ docker: new Docker({ socketPath: '/nonexistent/docker.sock' }), workerId });
    assert.equal(await unreachable.isReady(), false);
    const noImage = new SandboxRunner({ docker, workerId, image: 'conveyor-sandbox-missing:none' });
    assert.equal(await noImage.isReady(), false);
  });

  test('python3 hello world, stdout and stderr kept apart', async () => {
    const result = await run(
      task('python3', 'import sys\nprint("hello from python")\nprint("to stderr", file=sys.stderr)\n'),
    );
    assert.equal(result.verdict, 'ok');
    assert.equal(result.exit_code, 0);
    assert.equal(result.signal, null);
    assert.equal(result.stdout, 'hello from python\n');
    assert.equal(result.stderr, 'to stderr\n');
    assert.equal(result.compile, null);
    assert.equal(result.truncated, false);
  });

  for (const translator of ['gcc', 'clang'] as const) {
    test(`${translator} hello world`, async () => {
      const result = await run(task(translator, HELLO_C));
      assert.equal(result.verdict, 'ok', JSON.stringify(result));
      assert.equal(result.stdout, 'hello from C\n');
      assert.equal(result.stderr, 'to stderr\n');
      assert.equal(result.compile?.exit_code, 0);
      assert.ok((result.compile?.time_ms ?? 0) > 0);
    });
  }

  for (const translator of ['g++', 'clang++'] as const) {
    test(`${translator} hello world (C++20)`, async () => {
      const result = await run(task(translator, HELLO_CPP));
      assert.equal(result.verdict, 'ok', JSON.stringify(result));
      assert.equal(result.stdout, 'hello from C++ 3\n');
      assert.equal(result.stderr, 'to stderr\n');
      assert.equal(result.compile?.exit_code, 0);
    });
  }

  test('stdin reaches the program (python and C)', async () => {
    const stdin = 'line one\nline two, ünïcode\n';
    const python = await run(task('python3', 'import sys\nsys.stdout.write(sys.stdin.read())\n', { stdin }));
    assert.equal(python.stdout, stdin);
    const c = await run(
      task('gcc', '#include <stdio.h>\nint main(void){int ch;while((ch=getchar())!=EOF)putchar(ch);return 0;}\n', {
        stdin,
      }),
    );
    assert.equal(c.stdout, stdin);
  });

  test('a compile error comes back with the compiler message', async () => {
    const result = await run(task('gcc', 'int main(void) { return undefined_name; }\n'));
    assert.equal(result.verdict, 'compile_error');
    assert.equal(result.exit_code, null);
    assert.notEqual(result.compile?.exit_code, 0);
    assert.match(result.compile?.stderr ?? '', /main\.c:1:\d+: error: .*undefined_name/);
    assert.equal(result.stdout, '');
  });

  test('a segfault is a runtime error named SIGSEGV', async () => {
    const result = await run(task('gcc', 'int main(void) { volatile int *p = 0; *p = 1; return 0; }\n'));
    assert.equal(result.verdict, 'runtime_error');
    assert.equal(result.signal, 'SIGSEGV');
    assert.equal(result.exit_code, null);
  });

  test('a non-zero exit is a runtime error with its code; exit(139) is not mistaken for a signal', async () => {
    const python = await run(task('python3', 'import sys\nprint("partial")\nsys.exit(3)\n'));
    assert.equal(python.verdict, 'runtime_error');
    assert.equal(python.exit_code, 3);
    assert.equal(python.signal, null);
    assert.equal(python.stdout, 'partial\n');
    const c = await run(task('gcc', '#include <stdlib.h>\nint main(void) { exit(139); }\n'));
    assert.equal(c.exit_code, 139);
    assert.equal(c.signal, null);
  });

  test('an uncaught python exception is a runtime error with the traceback', async () => {
    const result = await run(task('python3', 'raise ValueError("boom")\n'));
    assert.equal(result.verdict, 'runtime_error');
    assert.equal(result.exit_code, 1);
    assert.match(result.stderr, /ValueError: boom/);
  });

  test('an infinite loop stops at the time limit, within a second of it', async () => {
    const limit = 1_000;
    const started = performance.now();
    const result = await run(task('python3', 'while True:\n    pass\n', { limits: { time_ms: limit } }));
    const elapsed = performance.now() - started;
    assert.equal(result.verdict, 'time_limit');
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(result.time_ms >= limit && result.time_ms < limit + 1_000, `time_ms ${result.time_ms}`);
    // The whole task, container creation and removal included.
    assert.ok(elapsed < limit + 2_000, `took ${Math.round(elapsed)} ms`);
  });

  test('a fork bomb is contained, and the next task runs normally', async () => {
    const bomb = await run(
      task('gcc', '#include <unistd.h>\nint main(void) { for (;;) fork(); }\n', { limits: { time_ms: 1_500 } }),
    );
    assert.notEqual(bomb.verdict, 'ok');
    assert.equal(bomb.verdict, 'time_limit');
    const next = await run(task('gcc', HELLO_C));
    assert.equal(next.verdict, 'ok');
    assert.equal(next.stdout, 'hello from C\n');
  });

  test('a memory hog is stopped with memory_limit (C, with a lower run limit than the compile one)', async () => {
    const hog =
      '#include <stdlib.h>\n#include <string.h>\nint main(void) { for (;;) { char *p = malloc(1 << 20); if (!p) return 2; memset(p, 1, 1 << 20); } }\n';
    const result = await run(task('gcc', hog, { limits: { memory_mb: 64 } }));
    assert.equal(result.verdict, 'memory_limit', JSON.stringify(result));
    assert.equal(result.signal, 'SIGKILL');
  });

  test('a memory hog is stopped with memory_limit (python)', async () => {
    const result = await run(
      task('python3', 'x = []\nwhile True:\n    x.append(bytearray(1 << 20))\n', { limits: { memory_mb: 64 } }),
    );
    assert.equal(result.verdict, 'memory_limit', JSON.stringify(result));
  });

  test('100 MiB on stdout: output_limit with exactly the first 64 KiB', async () => {
    const code =
      '#include <stdio.h>\n#include <string.h>\nint main(void) { static char b[1 << 20]; memset(b, 120, sizeof b); for (int i = 0; i < 100; i++) fwrite(b, 1, sizeof b, stdout); return 0; }\n';
    const result = await run(task('gcc', code));
    assert.equal(result.verdict, 'output_limit');
    assert.equal(result.truncated, true);
    assert.equal(result.stdout.length, 64 * KiB);
    assert.equal(result.stdout, 'x'.repeat(64 * KiB));
  });

  test('output of exactly 64 KiB is whole and not truncated; one byte more is output_limit', async () => {
    const exact = await run(task('python3', `import sys\nsys.stdout.write("y" * ${64 * KiB})\n`));
    assert.equal(exact.verdict, 'ok');
    assert.equal(exact.truncated, false);
    assert.equal(exact.stdout, 'y'.repeat(64 * KiB));
    const over = await run(task('python3', `import sys\nsys.stdout.write("y" * ${64 * KiB + 1})\n`));
    assert.equal(over.verdict, 'output_limit');
    assert.equal(over.stdout, 'y'.repeat(64 * KiB));
  });

  test('stderr has its own limit', async () => {
    const result = await run(task('python3', 'import sys\nwhile True:\n    sys.stderr.write("e" * 4096)\n'));
    assert.equal(result.verdict, 'output_limit');
    assert.equal(result.stderr, 'e'.repeat(64 * KiB));
  });

  test('a 1 GiB file is stopped at the files limit', async () => {
    const code =
      '#include <stdio.h>\n#include <string.h>\nint main(void) { static char b[1 << 20]; memset(b, 1, sizeof b); FILE *f = fopen("big", "wb"); if (!f) return 9; for (int i = 0; i < 1024; i++) fwrite(b, 1, sizeof b, f); fclose(f); puts("wrote 1 GiB"); return 0; }\n';
    const result = await run(task('gcc', code));
    assert.notEqual(result.verdict, 'ok');
    assert.equal(result.signal, 'SIGXFSZ');
    assert.equal(result.stdout, '');
  });

  test('many files cannot exceed the work directory either', async () => {
    const code =
      'import os\nn = 0\ntry:\n    while True:\n        with open(f"f{n}", "wb") as f:\n            f.write(b"z" * (1 << 20))\n        n += 1\nexcept OSError as e:\n    print(n, e.strerror)\n    raise SystemExit(1)\n';
    const result = await run(task('python3', code));
    assert.equal(result.verdict, 'runtime_error');
    const files = /^(\d+) No space left on device\n$/.exec(result.stdout)?.[1];
    assert.ok(Number(files) >= 16 && Number(files) < 20, `${files} files of 1 MiB`);
  });

  test('the root file system is read-only and the user is not root', async () => {
    const code =
      'import os\nprint(os.getuid())\ntry:\n    open("/etc/evil", "w")\nexcept OSError as e:\n    print(e.strerror)\ntry:\n    open("/tmp/evil", "w")\nexcept OSError as e:\n    print(e.strerror)\n';
    const result = await run(task('python3', code));
    assert.equal(result.stdout, '10001\nRead-only file system\nRead-only file system\n');
  });

  test('network access is refused', async () => {
    const code =
      'import socket\ntry:\n    socket.create_connection(("1.1.1.1", 53), timeout=2)\n    print("connected")\nexcept OSError as e:\n    print("refused:", e.strerror)\nprint(sorted(n for _, n in socket.if_nameindex()))\n';
    const result = await run(task('python3', code));
    assert.equal(result.verdict, 'ok');
    assert.match(result.stdout, /^refused: Network is unreachable\n\['lo'\]\n$/);
  });

  test('background processes the program left behind cannot write after it exits', async () => {
    const code =
      '#include <stdio.h>\n#include <unistd.h>\nint main(void) { if (fork() == 0) { sleep(1); puts("late"); return 0; } puts("main done"); return 0; }\n';
    const result = await run(task('gcc', code));
    assert.equal(result.verdict, 'ok');
    assert.equal(result.stdout, 'main done\n');
  });

  test('a compile that takes too long is a compile error that says so', async () => {
    const slowCompiler = new SandboxRunner({
      docker,
      workerId,
      image,
      limits: { ...DEFAULT_SANDBOX_LIMITS, compileTimeMs: 100 },
    });
    const result = await slowCompiler.run(task('g++', HELLO_CPP), { taskId: randomUUID() });
    assert.equal(result.verdict, 'compile_error');
    assert.equal(result.compile?.exit_code, null);
    assert.match(result.compile?.stderr ?? '', /longer than the 100 ms limit/);
    // Its container is removed after the result went out, by this runner: the suite's last check counts it.
    assert.equal(await slowCompiler.drain(10_000), true);
  });

  test('aborting stops the program and throws', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const started = performance.now();
    await assert.rejects(
      runner.run(task('python3', 'while True:\n    pass\n'), { taskId: randomUUID(), signal: controller.signal }),
      /shutting down|aborted/,
    );
    assert.ok(performance.now() - started < 3_000);
  });

  test('Docker unreachable: the run throws after its attempts', async () => {
    const unreachable = new SandboxRunner({
      docker: new Docker({ socketPath: '/nonexistent/docker.sock' }),
      workerId,
      attempts: 2,
    });
    await assert.rejects(unreachable.run(task('python3', 'print(1)'), { taskId: randomUUID() }), {
      name: 'SandboxUnavailableError',
    });
  });
});

test('no sandbox container is left after the suite', async () => {
  // The last results went out while their containers were being removed: drain() waits for that.
  assert.equal(await runner.drain(10_000), true);
  assert.deepEqual(await containersOf(workerId), []);
});
