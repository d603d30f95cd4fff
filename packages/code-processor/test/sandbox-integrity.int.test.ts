/**
 * The sandbox's own integrity, on the real Docker engine and sandbox image: the user's program runs under the
 * same uid as the supervisor (PID 1) that reports its result, so it must not be able to reach into PID 1 to
 * forge that result (issue #16). PID 1 is non-dumpable; these tests try each way in from the program's side:
 * ptrace, /proc/1/mem, process_vm_writev, and PID 1's own stdout and stdin through /proc/1/fd.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import type { CodeTaskPayload, Translator } from '@conveyor/shared';
import Docker from 'dockerode';
import { SandboxRunner, SandboxSweeper } from '../src/index.js';

const docker = new Docker();
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const workerId = `integrity-${randomUUID()}`;
const runner = new SandboxRunner({ docker, workerId, image });

const run = (translator: Translator, code: string, limits: CodeTaskPayload['limits'] = {}) =>
  runner.run({ translator, code, stdin: '', limits }, { taskId: randomUUID() });

after(async () => {
  await new SandboxSweeper({ docker, deployment: runner.deployment, workerId, image, working: () => new Set() }).sweep({
    all: true,
  });
});

/** Each attempt prints `<name> denied` or `<name> ALLOWED`; the program then exits 3 so a forged ok shows. */
const ATTACKS_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, int ok) { printf("%s %s\n", name, ok ? "ALLOWED" : "denied"); fflush(stdout); }

int main(void) {
  long attached = ptrace(PTRACE_ATTACH, 1, 0, 0);
  report("ptrace-attach", attached == 0);
  if (attached == 0) { waitpid(1, 0, __WALL); ptrace(PTRACE_DETACH, 1, 0, 0); }
  report("ptrace-seize", ptrace(PTRACE_SEIZE, 1, 0, 0) == 0);

  int mem = open("/proc/1/mem", O_RDWR);
  report("proc-mem", mem >= 0);

  char byte = 0;
  struct iovec local = { &byte, 1 }, remote = { (void *)0x400000, 1 };
  ssize_t wrote = process_vm_writev(1, &local, 1, &remote, 1, 0);
  report("process-vm-writev", wrote >= 0 || errno == EFAULT);
  ssize_t read_ = process_vm_readv(1, &local, 1, &remote, 1, 0);
  report("process-vm-readv", read_ >= 0 || errno == EFAULT);

  int out = open("/proc/1/fd/1", O_WRONLY);
  report("pid1-stdout", out >= 0);
  if (out >= 0) {
    const char forged[] = "\x1e" "conveyor-exit 0000000000 0000000001 0\n";
    write(out, forged, sizeof forged - 1);
  }
  report("pid1-stdin", open("/proc/1/fd/0", O_RDONLY | O_NONBLOCK) >= 0);
  report("pid1-environ", open("/proc/1/environ", O_RDONLY) >= 0);
  return 3;
}
`;

describe('sandbox integrity', { concurrency: 2 }, () => {
  test('the program cannot ptrace, read or write PID 1, nor reach its stdout or stdin', async () => {
    const result = await run('gcc', ATTACKS_C);
    const lines = result.stdout.trim().split('\n');
    assert.deepEqual(lines, [
      'ptrace-attach denied',
      'ptrace-seize denied',
      'proc-mem denied',
      'process-vm-writev denied',
      'process-vm-readv denied',
      'pid1-stdout denied',
      'pid1-stdin denied',
      'pid1-environ denied',
    ]);
    // The program's own exit stands: a forged trailer, had it got through, would have turned this into ok.
    assert.equal(result.verdict, 'runtime_error');
    assert.equal(result.exit_code, 3);
  });

  test('a python program that writes a forged trailer to PID 1 gets its own verdict', async () => {
    const forge = [
      'import sys',
      'try:',
      '    with open("/proc/1/fd/1", "w") as out:',
      '        out.write("\\x1econveyor-exit 0000000000 0000000001 0\\n")',
      '    print("opened")',
      'except OSError as e:',
      '    print("denied", e.errno)',
      'sys.exit(5)',
    ].join('\n');
    const result = await run('python3', `${forge}\n`);
    assert.match(result.stdout, /^denied \d+\n$/);
    assert.equal(result.verdict, 'runtime_error');
    assert.equal(result.exit_code, 5);
  });

  test('a program cannot end its task early: end marks made from all it can read are output, not the end', async () => {
    // The end mark (and its nonce) is in no child's environment; were it in any, the forged trailer (exit 0)
    // before it would have been taken as the supervisor's, and the task would be ok at once instead of timed out.
    const forge = [
      'import os, sys, time',
      'words = list(os.environ.values())',
      'for path in ("/proc/1/environ", "/proc/self/environ"):',
      '    try:',
      '        words += open(path, "rb").read().decode("latin1").replace("=", "\\0").split("\\0")',
      '    except OSError:',
      '        pass',
      'trailer = "\\x1econveyor-exit 0000000000 0000000001 0 0000000000 0000000000 0\\n"',
      // A word may be the whole mark, or its nonce.
      'for mark in [m for word in words for m in (word, "\\x1econveyor-end %s\\n" % word)]:',
      '    sys.stdout.write(trailer + mark); sys.stdout.flush()',
      '    sys.stderr.write(mark); sys.stderr.flush()',
      '    time.sleep(0.005)',
      'print("forged", len(words), flush=True)',
      'time.sleep(10)',
    ].join('\n');
    const result = await run('python3', `${forge}\n`, { time_ms: 3_000 });
    assert.match(result.stdout, /forged \d+\n$/, JSON.stringify(result));
    assert.equal(result.verdict, 'time_limit', JSON.stringify(result));
  });

  test('#include "/proc/1/fd/0" is a compile error at once, not a compile that runs into its time limit', async () => {
    const result = await run('gcc', '#include "/proc/1/fd/0"\nint main(void) { return 0; }\n');
    assert.equal(result.verdict, 'compile_error', JSON.stringify(result));
    assert.doesNotMatch(JSON.stringify(result.compile), /time limit/i);
    assert.match(result.compile?.stderr ?? '', /proc\/1\/fd\/0/);
  });
});
