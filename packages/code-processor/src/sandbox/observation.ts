/**
 * What the host saw of one sandbox: the bytes that came back (through SandboxOutput), when they came, why
 * the host stopped the container if it did, and any protocol error. Turns that into the compile and run
 * observations the verdict is made from. Pure logic: it sees bytes and times, never a container.
 */
import type { OutputStream } from './docker-stream-demuxer.js';
import type { ContainerFacts } from './sandbox-engine.js';
import { type Prelude, SandboxOutput } from './sandbox-output.js';
import type { TestFrame } from './test-frames.js';
import type { CompileObservation, RunObservation } from './verdict.js';

/** Why the host stopped a container (a kill); null while it has not. */
export type StopReason = 'compile_timeout' | 'run_timeout' | 'output_limit' | 'aborted';

/** What one chunk of output changed, for the job to act on. */
export type ReceiveEvent = 'prelude' | 'over_limit' | 'protocol_error' | null;

export interface ObservationLimits {
  outputBytes: number;
  compileTimeMs: number;
  runMemoryBytes: number;
}

export class Observation {
  private readonly output: SandboxOutput;
  private readonly startedAt: number;
  private compileEndedAt: number;
  private runStartedAt: number | null = null;
  private lastOutputAt: number;
  private stoppedAt: number | null = null;
  private stopReasonValue: StopReason | null = null;
  private protocolErrorValue: Error | null = null;

  /** `endMark`: the task's end mark (supervisor-script.ts). */
  constructor(
    private readonly limits: ObservationLimits,
    endMark: Buffer,
    mode: 'stream' | 'judge' = 'stream',
    private readonly now: () => number = () => performance.now(),
  ) {
    this.output = new SandboxOutput(limits.outputBytes, endMark, mode);
    this.startedAt = now();
    this.compileEndedAt = this.startedAt;
    this.lastOutputAt = this.startedAt;
  }

  /** The supervisor's end mark closed both streams: what it reported is whole, the container is ending. */
  get complete(): boolean {
    return this.output.complete;
  }

  get prelude(): Prelude | null {
    return this.output.prelude;
  }

  get stopReason(): StopReason | null {
    return this.stopReasonValue;
  }

  get protocolError(): Error | null {
    return this.protocolErrorValue;
  }

  /** Judge mode: the tests the supervisor reported so far. */
  get testFrames(): readonly TestFrame[] {
    return this.output.testFrames;
  }

  /**
   * Judge mode: the runs of the tests that were reported, in order. When the host stopped the container
   * (time, output) in the middle of test number `count`-or-fewer, that unreported test is the one it stopped.
   */
  tests(count: number): RunObservation[] {
    const runs: RunObservation[] = this.output.testFrames.map((frame) => ({
      waitStatus: frame.waitStatus,
      stdout: frame.stdout,
      stderr: frame.stderr,
      truncated: frame.outputLimited,
      timeMs: frame.timeMs,
      timedOut: frame.timedOut !== 0,
      outputLimited: frame.outputLimited,
      // The engine's OOMKilled flag is the container's, for all the runs at once: the supervisor's reading of
      // the cgroup's counter around each run names the test (and the peak is the second signal).
      oomKilled: frame.oomKilled,
      cpuMs: frame.cpuMs,
      memoryKb: frame.memoryKb,
      memoryLimitBytes: this.limits.runMemoryBytes,
    }));
    const reason = this.stopReasonValue;
    if ((reason === 'run_timeout' || reason === 'output_limit') && runs.length < count && this.runStartedAt !== null) {
      runs.push({
        waitStatus: null,
        stdout: '',
        stderr: '',
        truncated: false,
        timeMs: Math.round((this.stoppedAt ?? this.now()) - this.runStartedAt),
        timedOut: reason === 'run_timeout',
        outputLimited: reason === 'output_limit',
        oomKilled: false,
        cpuMs: null,
        memoryKb: null,
        memoryLimitBytes: this.limits.runMemoryBytes,
      });
    }
    return runs;
  }

  get runStarted(): boolean {
    return this.runStartedAt !== null;
  }

  /** One demultiplexed chunk; a broken protocol is recorded, never thrown. */
  receive(stream: OutputStream, chunk: Buffer): ReceiveEvent {
    this.lastOutputAt = this.now();
    const hadPrelude = this.output.prelude !== null;
    let event: ReturnType<SandboxOutput['push']>;
    try {
      event = this.output.push(stream, chunk);
    } catch (error) {
      this.recordProtocolError(error as Error);
      return 'protocol_error';
    }
    if (!hadPrelude && this.output.prelude) this.compileEndedAt = this.lastOutputAt;
    if (event === 'over_limit') return 'over_limit';
    // The prelude may come in the same chunk as output past the limit: the run has begun either way, and
    // 'over_limit' above wins because it stops the container.
    return !hadPrelude && this.output.prelude ? 'prelude' : null;
  }

  /** Records the first reason the host stopped the container; returns false when it was already stopped. */
  recordStop(reason: StopReason): boolean {
    if (this.stopReasonValue) return false;
    this.stopReasonValue = reason;
    return true;
  }

  recordProtocolError(error: Error): void {
    this.protocolErrorValue ??= error;
  }

  recordRunStart(): void {
    this.runStartedAt = this.now();
  }

  recordContainerStop(): void {
    this.stoppedAt ??= this.now();
  }

  /**
   * The compile step, or null for a translator that does not compile. What the supervisor reported (its
   * own clock, its own time limit) wins; the host's view counts only when the supervisor could not report.
   */
  compile(compiles: boolean, facts: ContainerFacts): CompileObservation | null {
    if (!compiles) return null;
    const report = this.output.prelude?.compile;
    if (report) {
      return { ...report, timeLimitMs: this.limits.compileTimeMs };
    }
    return {
      waitStatus: null,
      stdout: '',
      stderr: '',
      truncated: false,
      timeMs: this.hostTimeMs(this.startedAt, facts, 0),
      timedOut: this.stopReasonValue === 'compile_timeout',
      timeLimitMs: this.limits.compileTimeMs,
    };
  }

  /**
   * The program's run, or null when it never started. With the supervisor's trailer, the verdict's facts are
   * its own (wait status, measured time, its time limit); without it (the host killed the container), the
   * host's reason for stopping it. `oomKilled` is the engine's word.
   */
  run(facts: ContainerFacts): RunObservation | null {
    const program = this.output.finish();
    const reported = program.waitStatus !== null;
    if (!reported && this.runStartedAt === null) return null;
    const compileMs = this.output.prelude?.compile?.timeMs ?? 0;
    return {
      waitStatus: program.waitStatus,
      stdout: program.stdout,
      stderr: program.stderr,
      truncated: program.truncated,
      timeMs: program.timeMs ?? this.hostTimeMs(this.runStartedAt ?? this.compileEndedAt, facts, compileMs),
      timedOut: reported ? program.timedOut : this.stopReasonValue === 'run_timeout',
      outputLimited: this.stopReasonValue === 'output_limit' || program.truncated,
      oomKilled: facts.oomKilled || program.oomKilled,
      cpuMs: program.cpuMs,
      memoryKb: program.memoryKb,
      memoryLimitBytes: this.limits.runMemoryBytes,
    };
  }

  /**
   * A step's time when the supervisor did not report it: the engine's own start and finish times (less the
   * compile, for the run) when it gives them, since a paused host's clock would count the pause.
   */
  private hostTimeMs(since: number, facts: ContainerFacts, beforeMs: number): number {
    if (facts.startedAtMs !== null && facts.finishedAtMs !== null) {
      return Math.max(0, Math.round(facts.finishedAtMs - facts.startedAtMs - beforeMs));
    }
    return Math.round((this.stoppedAt ?? this.now()) - since);
  }

  /** What the program wrote to stderr, for the message when the sandbox failed before it ran. */
  failureText(): string {
    return this.output.finish().stderr.trim().slice(0, 500);
  }
}
