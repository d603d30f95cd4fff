/**
 * One task in one fresh container, in phases whose states guard the order:
 * new -create()-> created -start()-> prepared -collect()-> (compiled, once the prelude came) -> executed
 * -remove()-> cleaned_up. run() chains them and removes the container whatever happened.
 *
 * The host enforces what matters: the wall-time limits (a timer, then kill), the output limit (counted here,
 * then kill), and reads the OOM flag from the engine. What was seen is kept by an Observation.
 *
 * collect() ends at whichever comes first: the supervisor's end mark on both streams (the usual end: the
 * result is whole, and Docker's report of the exit, about 0.1 s later, is not waited for), or the engine's
 * word that the container stopped (the supervisor failed, or the host killed it).
 */
import type { Duplex } from 'node:stream';
import { type CodeResult, type CodeTest, type CompareSpec, type Logger, PROGRAM_FILE } from '@conveyor/shared';
import { afterPendingIo } from './after-pending-io.js';
import { sandboxContainerSpec } from './container-spec.js';
import { DockerStreamDemuxer } from './docker-stream-demuxer.js';
import type { TaskSandboxLimits } from './limits.js';
import { Observation, type StopReason } from './observation.js';
import {
  type ContainerFacts,
  type SandboxContainer,
  type SandboxEngine,
  SandboxEngineError,
  type WarmSandbox,
} from './sandbox-engine.js';
import {
  endMark,
  GO_ON,
  HOST_WAIT_MS,
  newEndNonce,
  STOP,
  type SupervisorInvocation,
  supervisorInvocation,
} from './supervisor-script.js';
import { compileCommand, type TranslatorSpec } from './translators.js';
import { type CompileObservation, codeResult, judgeResult, type RunObservation, testResult } from './verdict.js';

export const SANDBOX_JOB_STATES = ['new', 'created', 'prepared', 'compiled', 'executed', 'cleaned_up'] as const;
export type SandboxJobState = (typeof SANDBOX_JOB_STATES)[number];

export interface SandboxJobInput {
  taskId: string;
  deployment: string;
  workerId: string;
  image: string;
  translator: TranslatorSpec;
  code: string;
  stdin: string;
  limits: TaskSandboxLimits;
  /** The program's arguments (a task without tests). */
  args?: readonly string[];
  /** Extra files written next to the source; C and C++ sources among them are compiled with it. */
  files?: ReadonlyArray<{ name: string; bytes: Buffer }>;
  compilerOptions?: readonly string[];
  /** With tests the job runs in judge mode: compiled once, one run per test, each judged. */
  judge?: { tests: readonly CodeTest[]; compare: CompareSpec; stopOnFailure: boolean };
}

export interface SandboxJobHooks {
  log?: Logger;
  /**
   * Called with the container's id and `true` as soon as it exists, and with `false` once its removal was
   * tried, whether or not it succeeded (a container left behind is the sweeper's, found by its labels).
   */
  onContainer?: (id: string, alive: boolean) => void;
  /** Aborting stops the program and makes run() throw (the task goes back to the queue). */
  signal?: AbortSignal;
  /**
   * A started container waiting for its task (the warm pool), or null when there is none: create() then
   * makes one (the cold path). Called once, by create().
   */
  takeWarm?: () => WarmSandbox | null;
  /**
   * When given, a run that has its result hands the container's removal here instead of waiting for it: the
   * result goes out a Docker round trip sooner. A run that fails still waits (a retry must not race it).
   */
  removeLater?: (removal: Promise<void>) => void;
}

/** What collect() saw: the compile step (null when the translator does not compile) and the run (null when it never ran). */
export interface SandboxObservations {
  compile: CompileObservation | null;
  run: RunObservation | null;
  /** Judge mode: the tests that ran, in order. */
  tests: RunObservation[];
}

/** A transition asked in the wrong state: a bug in the caller, never a sandbox failure. */
export class SandboxJobStateError extends Error {
  constructor(action: string, state: SandboxJobState) {
    super(`a sandbox job cannot ${action} when ${state}`);
    this.name = 'SandboxJobStateError';
  }
}

/** How long to wait for the attach stream to drain after the container stopped. */
const STREAM_DRAIN_MS = 2_000;

/**
 * The supervisor stops the compile and the run at their limits itself; the host kills the container only
 * this much later, as a backstop for a supervisor that could not.
 */
export const HOST_BACKSTOP_MS = 1_000;

/** Once the attach stream has ended (the container stopped, or the connection to the engine dropped), how long wait() may still take. */
export const WAIT_AFTER_STREAM_END_MS = 5_000;

const ABORTED_MESSAGE = 'sandbox stopped: the worker is shutting down';

/** The engine's facts when the end mark ended the task: the supervisor's report has them all (see Observation.run). */
const NO_FACTS: ContainerFacts = { oomKilled: false, startedAtMs: null, finishedAtMs: null };

export class SandboxJob {
  private currentState: SandboxJobState = 'new';
  private container: SandboxContainer | null = null;
  private stream: Duplex | null = null;
  /** The container came from the warm pool: already attached and started. */
  private warm = false;
  private drained: Promise<void> = Promise.resolve();
  private observation: Observation | null = null;
  private cancelTimer: () => void = () => {};
  /** The container stopped, or its supervisor ended the task (the end mark): nothing is left to kill. */
  private containerStopped = false;
  /** Resolved when the end mark closed both streams. */
  private readonly completed: Promise<void>;
  private markComplete: () => void = () => {};
  private readonly endMark: Buffer;
  private readonly compiles: boolean;
  /** True when the run's memory limit differs from the compile's: the host changes it between the steps. */
  private readonly gate: boolean;
  private readonly supervisor: SupervisorInvocation;
  /** Judge mode: how many test frames were answered (stop_on_failure). */
  private testsAnswered = 0;
  /** Judge mode: the host told the supervisor to stop after a failed test. */
  private stopSent = false;
  private readonly onAbort = () => this.stop('aborted');

  constructor(
    private readonly engine: SandboxEngine,
    private readonly input: SandboxJobInput,
    private readonly hooks: SandboxJobHooks = {},
  ) {
    const { limits, translator, judge } = input;
    const files = input.files ?? [];
    const compile = compileCommand(
      translator,
      files.map((file) => file.name),
      input.compilerOptions,
    );
    this.compiles = compile !== null;
    this.gate = this.compiles && limits.compileMemoryBytes !== limits.runMemoryBytes;
    // What each test's fresh directory needs: the compiled program, or the script, and the task's files.
    const program = this.compiles ? PROGRAM_FILE : translator.sourceFile;
    this.completed = new Promise<void>((resolve) => {
      this.markComplete = resolve;
    });
    this.endMark = endMark(newEndNonce());
    this.supervisor = supervisorInvocation({
      endMark: this.endMark,
      files: [{ name: translator.sourceFile, bytes: Buffer.from(input.code, 'utf8') }, ...files],
      mode: judge ? 'judge' : 'stream',
      runs: judge
        ? judge.tests.map((test) => ({ stdin: Buffer.from(test.stdin, 'utf8'), args: test.args }))
        : [{ stdin: Buffer.from(input.stdin, 'utf8'), args: input.args ?? [] }],
      copy: [program, ...files.map((file) => file.name)],
      compile,
      run: translator.run,
      outputLimitBytes: limits.outputBytes,
      compileTimeMs: limits.compileTimeMs,
      runTimeMs: limits.runTimeMs,
      totalTimeMs: limits.totalTimeMs,
      gate: this.gate,
      stopGate: judge?.stopOnFailure ?? false,
    });
  }

  get state(): SandboxJobState {
    return this.currentState;
  }

  /** All phases; the container is removed whatever happened. Throws when the sandbox itself failed. */
  async run(): Promise<CodeResult> {
    let result: CodeResult;
    try {
      await this.create();
      await this.start();
      const { compile, run, tests } = await this.collect();
      const { judge } = this.input;
      result = judge ? judgeResult(compile, tests, judge.tests, judge.compare) : codeResult(compile, run);
    } catch (error) {
      await this.remove();
      throw error;
    }
    const removal = this.remove();
    if (this.hooks.removeLater) this.hooks.removeLater(removal);
    else await removal;
    return result;
  }

  /**
   * Takes a warm container from the pool, with the first step's memory limit applied (`docker update`)
   * when it was made with another; or creates one (the cold path). Memory for the first step: the compile
   * limit when the language compiles.
   */
  async create(): Promise<void> {
    this.expect('create', 'new');
    const { limits } = this.input;
    const memoryBytes = this.compiles ? limits.compileMemoryBytes : limits.runMemoryBytes;
    const warm = this.hooks.takeWarm?.() ?? null;
    if (warm) {
      this.warm = true;
      this.stream = warm.stream;
      this.container = warm.container;
    } else {
      const spec = sandboxContainerSpec({
        image: this.input.image,
        taskId: this.input.taskId,
        deployment: this.input.deployment,
        workerId: this.input.workerId,
        limits,
        memoryBytes,
      });
      this.container = await this.engine.createContainer(spec);
    }
    // Said before any await: a pooled container goes from the pool's set to the runner's with no gap a sweep could see.
    this.hooks.onContainer?.(this.container.id, true);
    this.hooks.signal?.addEventListener('abort', this.onAbort, { once: true });
    // Before the plan is written, so the supervisor never starts the task under the pool's limit.
    if (warm && warm.memoryBytes !== memoryBytes) await this.container.setMemory(memoryBytes);
    this.enter('created');
    if (this.hooks.signal?.aborted) this.onAbort();
  }

  /**
   * Attaches and starts the container (a pooled one already is), sends the plan, the source and the input,
   * and arms the compile timer.
   */
  async start(): Promise<void> {
    const container = this.expect('start', 'created');
    const stream = this.warm && this.stream ? this.stream : await container.attach();
    this.stream = stream;
    this.drained = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    const observation = new Observation(this.input.limits, this.endMark, this.input.judge ? 'judge' : 'stream');
    this.observation = observation;
    const demuxer = new DockerStreamDemuxer((streamName, chunk) => {
      const event = observation.receive(streamName, chunk);
      if (event === 'prelude') this.onPrelude();
      else if (event === 'over_limit') this.stop('output_limit');
      else if (event === 'protocol_error') this.stop('aborted');
      if (event !== 'protocol_error') this.answerTests();
      // A task the host stopped (time, output, abort) ends the slow way: the engine says when the kill took.
      if (observation.complete && !observation.stopReason) this.markComplete();
    });
    stream.on('data', (data: Buffer) => demuxer.push(data));
    // The pool hands its stream over paused; resume() is harmless on a fresh one.
    stream.resume();
    // An abort that came before the observation existed had nothing to stop yet.
    if (this.hooks.signal?.aborted) throw new Error(ABORTED_MESSAGE);
    if (!this.warm) await container.start();
    stream.write(this.supervisor.input);
    this.enter('prepared');
    // Also bounds an interpreted language's start: the prelude comes before the run timer starts.
    this.arm(this.input.limits.compileTimeMs + HOST_BACKSTOP_MS, 'compile_timeout');
  }

  /**
   * Waits for the task's end (the end mark, or the container's stop) and returns what was observed; throws
   * when the sandbox failed.
   */
  async collect(): Promise<SandboxObservations> {
    const container = this.expect('collect', 'prepared', 'compiled');
    const observation = this.observation!;
    const stop = await this.waitForEnd(container);
    this.containerStopped = true;
    observation.recordContainerStop();
    this.cancelTimer();
    let facts: ContainerFacts = NO_FACTS;
    if (stop !== 'complete') {
      await Promise.race([this.drained, new Promise((resolve) => setTimeout(resolve, STREAM_DRAIN_MS))]);
      const engineFacts = await container.inspect();
      // A pooled container was started long before its task: the engine's start time says nothing of the task's.
      facts = this.warm ? { ...engineFacts, startedAtMs: null } : engineFacts;
    }
    // Closing stdin also tells a supervisor that has ended to go at once.
    this.stream?.destroy();
    this.enter('executed');
    const exit = stop === 'complete' ? 'the supervisor ended the task' : `container exit ${stop.statusCode}`;

    if (observation.stopReason === 'aborted' || observation.protocolError) {
      throw observation.protocolError ?? new Error(ABORTED_MESSAGE);
    }
    if (!observation.prelude && !(this.compiles && observation.stopReason === 'compile_timeout')) {
      throw new Error(`sandbox failed before the program ran (${exit}): ${observation.failureText() || 'no message'}`);
    }
    const judge = this.input.judge;
    const compile = observation.compile(this.compiles, facts);
    const tests = judge ? observation.tests(judge.tests.length) : [];
    if (judge && observation.runStarted && tests.length < judge.tests.length) {
      // Fewer reports than tests is the supervisor's word only when it stopped on purpose (told to, or out
      // of total time); otherwise the sandbox failed, and the task is tried again rather than judged on less.
      const lastFrame = observation.testFrames[observation.testFrames.length - 1];
      const hostStopped = observation.stopReason === 'run_timeout' || observation.stopReason === 'output_limit';
      if (!this.stopSent && !hostStopped && lastFrame?.timedOut !== 2) {
        throw new Error(
          `the sandbox reported ${tests.length} of ${judge.tests.length} tests (${exit}): ${observation.failureText() || 'no message'}`,
        );
      }
    }
    return { compile, run: judge ? null : observation.run(facts), tests };
  }

  /** Removes the container; never throws (a container left behind is the sweeper's, found by its labels). */
  async remove(): Promise<void> {
    this.cancelTimer();
    this.hooks.signal?.removeEventListener('abort', this.onAbort);
    this.stream?.destroy();
    const container = this.container;
    if (!container || this.currentState === 'cleaned_up') return;
    await container.remove().catch((error: unknown) => {
      this.hooks.log?.warn({ err: error, container: container.id }, 'sandbox removal failed');
    });
    this.hooks.onContainer?.(container.id, false);
    this.enter('cleaned_up');
  }

  /** The compile ended (or an interpreted language is ready): apply the run's limits and start the run timer. */
  private onPrelude(): void {
    const prelude = this.observation?.prelude;
    // A compile that failed, or a late prelude after the compile was already stopped: nothing runs.
    if (this.observation?.stopReason || (prelude?.compile && prelude.compile.waitStatus !== 0)) return;
    if (!this.gate) {
      this.beginRun();
      return;
    }
    // The compile timer keeps running: it also bounds this update.
    this.container!.setMemory(this.input.limits.runMemoryBytes)
      .then(() => {
        if (this.observation?.stopReason) return;
        this.stream?.write(Buffer.from('g'));
        this.beginRun();
      })
      .catch((error: Error) => {
        this.observation?.recordProtocolError(new Error(`cannot set the run memory limit: ${error.message}`));
        this.stop('aborted');
      });
  }

  private beginRun(): void {
    this.enter('compiled');
    this.observation?.recordRunStart();
    const { limits, judge } = this.input;
    this.arm((judge ? limits.totalTimeMs : limits.runTimeMs) + HOST_BACKSTOP_MS, 'run_timeout');
  }

  /**
   * stop_on_failure: the supervisor waits after each test (but the last) for the host's word, since only
   * the host holds the expected output. A test that did not pass stops the task; the rest are skipped.
   */
  private answerTests(): void {
    const judge = this.input.judge;
    const observation = this.observation;
    if (!judge?.stopOnFailure || !observation) return;
    const frames = observation.testFrames.length;
    if (frames <= this.testsAnswered) return;
    const runs = observation.tests(0);
    for (; this.testsAnswered < frames; this.testsAnswered++) {
      const i = this.testsAnswered;
      if (i >= judge.tests.length - 1) continue;
      const passed = testResult(judge.tests[i]!, runs[i]!, judge.compare).verdict === 'ok';
      this.stream?.write(Buffer.from(passed ? GO_ON : STOP));
      if (!passed) this.stopSent = true;
    }
  }

  /** The end mark on both streams, or else the engine's word that the container stopped (waitForStop). */
  private async waitForEnd(container: SandboxContainer): Promise<'complete' | { statusCode: number }> {
    const ended = new AbortController();
    const stopped = this.waitForStop(container, ended.signal);
    const end = await Promise.race([stopped, this.completed.then(() => 'complete' as const)]);
    if (end === 'complete') {
      ended.abort();
      stopped.catch(() => {
        // The wait was given up on purpose: the supervisor had already said the task was done.
      });
    }
    return end;
  }

  /**
   * The engine's word that the container stopped, within bounds: the container cannot outlive the
   * supervisor's own deadlines, and once the attach stream has ended the answer is due at once. Past
   * either, the engine is taken for lost: the job fails (the task is retried) rather than wait forever.
   */
  private async waitForStop(container: SandboxContainer, ended: AbortSignal): Promise<{ statusCode: number }> {
    const { limits } = this.input;
    // Judge mode: the supervisor ends every test, and its waits for the host, within the task's total time.
    const runMs = this.input.judge ? limits.totalTimeMs : limits.runTimeMs;
    const lifeMs = HOST_WAIT_MS * (this.gate ? 2 : 1) + limits.compileTimeMs + runMs + 2 * HOST_BACKSTOP_MS;
    const limit = new AbortController();
    const lost = (why: string) => () =>
      limit.abort(new SandboxEngineError(`the engine did not report the container stopped: ${why}`));
    const cancelLife = afterPendingIo(lifeMs + WAIT_AFTER_STREAM_END_MS, lost(`${lifeMs} ms after start`));
    let cancelAfterEnd = () => {};
    let settled = false;
    this.drained.then(() => {
      if (!settled) cancelAfterEnd = afterPendingIo(WAIT_AFTER_STREAM_END_MS, lost('the attach stream ended'));
    });
    try {
      return await container.wait(AbortSignal.any([limit.signal, ended]));
    } finally {
      settled = true;
      cancelLife();
      cancelAfterEnd();
    }
  }

  /** Returns the container when the job is in one of `states`; otherwise the transition is refused. */
  private expect(action: string, ...states: SandboxJobState[]): SandboxContainer {
    if (!states.includes(this.currentState)) throw new SandboxJobStateError(action, this.currentState);
    return this.container!;
  }

  private enter(state: SandboxJobState): void {
    this.currentState = state;
    this.hooks.log?.debug(
      { task_id: this.input.taskId, sandbox_state: state, container: this.container?.id },
      'sandbox job state',
    );
  }

  private arm(ms: number, reason: StopReason): void {
    this.cancelTimer();
    this.cancelTimer = afterPendingIo(ms, () => this.stop(reason));
  }

  private stop(reason: StopReason): void {
    // Before the container exists (an abort during create), the abort is seen once it does.
    // A container that already stopped needs no kill, and its end was not the host's doing.
    if (!this.container || this.containerStopped) return;
    if (this.observation && !this.observation.recordStop(reason)) return;
    this.cancelTimer();
    this.container.kill().catch(() => {
      // Already stopped: nothing to do.
    });
  }
}
