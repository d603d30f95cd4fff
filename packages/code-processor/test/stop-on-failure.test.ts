/**
 * stop_on_failure on the fake engine (no Docker): a stand-in supervisor that speaks the judge protocol (a
 * frame per test; with STOP_GATE=1 it waits after each test but the last for the host's byte, `g` to go on).
 * The host sends `g` after a passing test and stops at the first failing one; the tests after it are
 * reported `skipped` (never run), and the task's verdict is the first failing test's. Without the flag every
 * test runs and nothing waits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CodeTest } from '@conveyor/shared';
import { limitsForTask } from '../src/sandbox/limits.js';
import { SandboxJob } from '../src/sandbox/sandbox-job.js';
import { TRANSLATOR_SPECS } from '../src/sandbox/translators.js';
import { FakeEngine, type FakeScript } from './fake-sandbox-engine.js';
import { NO_COMPILE, readPlan, testFrame } from './supervisor-protocol.js';

/** What each test's program does in the stand-in supervisor: its stdout and its wait status. */
interface Program {
  stdout: string;
  status?: number;
}

/** Plays the supervisor; records which tests ran and the bytes the host sent after each. */
function supervisor(programs: readonly Program[]) {
  const ran: number[] = [];
  const hostSaid: string[] = [];
  const script: FakeScript = async (c) => {
    // The plan (environment and argv) comes first on stdin, the same for a cold and a pooled container.
    const gate = readPlan(await c.nextInput()).env.STOP_GATE === '1';
    c.stdout(NO_COMPILE);
    for (let i = 0; i < programs.length; i++) {
      ran.push(i);
      c.stdout(testFrame(i, { stdout: programs[i]!.stdout, status: programs[i]!.status ?? 0 }));
      if (gate && i < programs.length - 1) {
        const byte = (await c.nextInput()).toString();
        hostSaid.push(byte);
        if (byte !== 'g') break;
      }
    }
    c.exit(0);
  };
  return { script, ran, hostSaid };
}

const TESTS: CodeTest[] = [
  { name: 'one', stdin: '', args: [], expected_output: '1' },
  { name: 'two', stdin: '', args: [], expected_output: '2' },
  { name: 'three', stdin: '', args: [], expected_output: '3' },
  { name: 'four', stdin: '', args: [], expected_output: '4' },
];

function judgeJob(engine: FakeEngine, stopOnFailure: boolean) {
  return new SandboxJob(engine, {
    taskId: 'task-1',
    deployment: 'test',
    workerId: 'worker-1',
    image: 'conveyor-sandbox:test',
    translator: TRANSLATOR_SPECS.python3,
    code: 'print(input())\n',
    stdin: '',
    limits: limitsForTask({}),
    judge: { tests: TESTS, compare: 'lines', stopOnFailure },
  });
}

describe('stop_on_failure (fake engine)', () => {
  test('a wrong answer at test 2: the host stops there, tests 3 and 4 are skipped, the verdict is wrong_answer', async () => {
    const { script, ran, hostSaid } = supervisor([
      { stdout: '1\n' },
      { stdout: '5\n' },
      { stdout: '3\n' },
      { stdout: '4\n' },
    ]);
    const result = await judgeJob(new FakeEngine(script), true).run();
    assert.deepEqual(hostSaid, ['g', 's'], 'go on after the pass, stop after the failure');
    assert.deepEqual(ran, [0, 1], 'tests 3 and 4 never ran');
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['ok', 'wrong_answer', 'skipped', 'skipped'],
    );
    assert.equal(result.verdict, 'wrong_answer');
    assert.equal(result.stdout, '5\n', "the task's output is the failing test's");
    assert.deepEqual(result.tests?.[1]?.mismatch, { line: 1, token: null, expected: '2', actual: '5' });
    assert.equal(result.tests?.[2]?.exit_code, null);
    assert.equal(result.passed, 1);
    assert.equal(result.total, 4);
  });

  test('a runtime error at test 1: everything after it is skipped, the verdict is runtime_error', async () => {
    const { script, ran, hostSaid } = supervisor([
      { stdout: '', status: 1 << 8 },
      { stdout: '2\n' },
      { stdout: '3\n' },
      { stdout: '4\n' },
    ]);
    const result = await judgeJob(new FakeEngine(script), true).run();
    assert.deepEqual(hostSaid, ['s']);
    assert.deepEqual(ran, [0]);
    assert.equal(result.verdict, 'runtime_error');
    assert.equal(result.exit_code, 1);
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['runtime_error', 'skipped', 'skipped', 'skipped'],
    );
    assert.equal(result.passed, 0);
  });

  test('all pass: the host says go after each, every test runs, verdict ok', async () => {
    const { script, ran, hostSaid } = supervisor([
      { stdout: '1\n' },
      { stdout: '2\n' },
      { stdout: '3\n' },
      { stdout: '4\n' },
    ]);
    const result = await judgeJob(new FakeEngine(script), true).run();
    assert.deepEqual(hostSaid, ['g', 'g', 'g']);
    assert.deepEqual(ran, [0, 1, 2, 3]);
    assert.equal(result.verdict, 'ok');
    assert.equal(result.passed, 4);
  });

  test('without stop_on_failure: no gate, every test runs, the verdict is still the first failure', async () => {
    const { script, ran, hostSaid } = supervisor([
      { stdout: '1\n' },
      { stdout: '5\n' },
      { stdout: '', status: 1 << 8 },
      { stdout: '4\n' },
    ]);
    const result = await judgeJob(new FakeEngine(script), false).run();
    assert.deepEqual(hostSaid, [], 'the supervisor was not told to wait');
    assert.deepEqual(ran, [0, 1, 2, 3]);
    assert.deepEqual(
      result.tests?.map((t) => t.verdict),
      ['ok', 'wrong_answer', 'runtime_error', 'ok'],
    );
    assert.equal(result.verdict, 'wrong_answer');
    assert.equal(result.passed, 2);
  });
});
