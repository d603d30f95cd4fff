/**
 * One task in one fresh container, through visible states:
 * created -> prepared (container started, source and input sent) -> compiled (prelude received; at once for
 * an interpreted language) -> executed (container stopped, output collected) -> cleaned_up (container removed).
 *
 * The host enforces what matters: the wall-time limits (a timer, then kill), the output limit (counted here,
 * then kill), and reads the OOM flag from Docker. The container is removed whatever happened.
 */
import type { Duplex } from 'node:stream';
import type { CodeResult, Logger } from '@conveyor/shared';
import type Docker from 'dockerode';
import { sandboxContainerSpec } from './container-spec.js';
import { DockerStreamDemuxer } from './docker-stream-demuxer.js';
import type { TaskSandboxLimits } from './limits.js';
import { type Prelude, SandboxOutput } from './sandbox-output.js';
import { supervisorInvocation } from './supervisor-script.js';
import type { TranslatorSpec } from './translators.js';
import { type CompileObservation, codeResult, type RunObservation } from './verdict.js';

export const SANDBOX_JOB_STATES = ['created', 'prepared', 'compiled', 'executed', 'cleaned_up'] as const;
export type SandboxJobState = (typeof SANDBOX_JOB_STATES)[number];

export interface SandboxJobInput {
  taskId: string;
  workerId: string;
  image: string;
  translator: TranslatorSpec;
  code: string;
  stdin: string;
  limits: TaskSandboxLimits;
}

export interface SandboxJobHooks {
  log?: Logger;
  /** Called with the container id as soon as it exists, and with null once it is removed. */
  onContainer?: (id: string, alive: boolean) => void;
  /** Aborting stops the program and makes run() throw (the task goes back to the queue). */
  signal?: AbortSignal;
}

type StopReason = 'compile_timeout' | 'run_timeout' | 'output_limit' | 'aborted';

/** How long to wait for the attach stream to drain after the container stopped. */
const STREAM_DRAIN_MS = 2_000;

export class SandboxJob {
  private currentState: SandboxJobState | 'new' = 'new';
  private stopReason: StopReason | null = null;
  private timer: NodeJS.Timeout | undefined;
  private readonly output: SandboxOutput;

  constructor(
    private readonly docker: Docker,
    private readonly input: SandboxJobInput,
    private readonly hooks: SandboxJobHooks = {},
  ) {
    this.output = new SandboxOutput(input.limits.outputBytes);
  }

  get state(): SandboxJobState | 'new' {
    return this.currentState;
  }

  async run(): Promise<CodeResult> {
    if (this.currentState !== 'new') throw new Error('a SandboxJob runs once');
    const { limits, translator } = this.input;
    const compiles = translator.compile !== null;
    // Compiled languages start with the compile memory limit; if the run's differs, the host changes it
    // between the two steps, and the supervisor waits for its go-ahead (the gate).
    const firstMemory = compiles ? limits.compileMemoryBytes : limits.runMemoryBytes;
    const gate = compiles && limits.compileMemoryBytes !== limits.runMemoryBytes;
    const supervisor = supervisorInvocation({
      sourceFile: translator.sourceFile,
      source: this.input.code,
      stdin: this.input.stdin,
      compile: translator.compile,
      run: translator.run,
      outputLimitBytes: limits.outputBytes,
      gate,
    });
    const spec = sandboxContainerSpec({
      image: this.input.image,
      taskId: this.input.taskId,
      workerId: this.input.workerId,
      limits,
      supervisor,
      memoryBytes: firstMemory,
    });

    const container = await this.docker.createContainer(spec);
    this.enter('created');
    this.hooks.onContainer?.(container.id, true);
    const abort = () => this.stop(container, 'aborted');
    this.hooks.signal?.addEventListener('abort', abort, { once: true });
    if (this.hooks.signal?.aborted) abort();
    try {
      const stream = (await container.attach({
        stream: true,
        stdin: true,
        stdout: true,
        stderr: true,
        hijack: true,
      })) as Duplex;
      const drained = new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', () => resolve());
      });
      let protocolError: Error | null = null;
      const startedAt = performance.now();
      let compileEndedAt = startedAt;
      let runStartedAt = startedAt;
      let lastOutputAt = startedAt;
      let runStarted = false;
      const beginRun = () => {
        this.enter('compiled');
        runStarted = true;
        runStartedAt = performance.now();
        this.arm(container, limits.runTimeMs, 'run_timeout');
      };
      const onPrelude = (prelude: Prelude) => {
        compileEndedAt = lastOutputAt;
        // A compile that failed, or a late prelude after the compile was already stopped: nothing runs.
        if (this.stopReason || (prelude.compile && prelude.compile.waitStatus !== 0)) return;
        if (!gate) return beginRun();
        // The compile timer keeps running: it also bounds this update.
        container
          .update({ Memory: limits.runMemoryBytes, MemorySwap: limits.runMemoryBytes })
          .then(() => {
            if (this.stopReason) return;
            stream.write(Buffer.from('g'));
            beginRun();
          })
          .catch((error: Error) => {
            protocolError = new Error(`cannot set the run memory limit: ${error.message}`);
            this.stop(container, 'aborted');
          });
      };
      const demuxer = new DockerStreamDemuxer((streamName, chunk) => {
        lastOutputAt = performance.now();
        const hadPrelude = this.output.prelude !== null;
        let event: ReturnType<SandboxOutput['push']>;
        try {
          event = this.output.push(streamName, chunk);
        } catch (error) {
          protocolError = error as Error;
          this.stop(container, 'aborted');
          return;
        }
        // The prelude may come in the same chunk as output past the limit: the run has begun either way.
        const prelude = this.output.prelude;
        if (!hadPrelude && prelude) onPrelude(prelude);
        if (event === 'over_limit') this.stop(container, 'output_limit');
      });
      stream.on('data', (data: Buffer) => demuxer.push(data));

      await container.start();
      stream.write(supervisor.input);
      this.enter('prepared');
      // Also bounds an interpreted language's start: the prelude comes before the run timer starts.
      this.arm(container, limits.compileTimeMs, 'compile_timeout');

      const exit = (await container.wait()) as { StatusCode: number };
      const stoppedAt = performance.now();
      clearTimeout(this.timer);
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, STREAM_DRAIN_MS))]);
      stream.destroy();
      const details = await container.inspect();
      this.enter('executed');

      if (this.stopReason === 'aborted' || protocolError) {
        throw protocolError ?? new Error('sandbox stopped: the worker is shutting down');
      }
      const program = this.output.finish();
      const finalPrelude: Prelude | null = this.output.prelude;
      if (!finalPrelude && !(compiles && this.stopReason === 'compile_timeout')) {
        throw new Error(
          `sandbox failed before the program ran (container exit ${exit.StatusCode}): ${program.stderr.trim().slice(0, 500) || 'no message'}`,
        );
      }
      const oomKilled = details.State.OOMKilled === true;
      const compile: CompileObservation | null = compiles
        ? {
            waitStatus: finalPrelude?.compile?.waitStatus ?? null,
            stdout: finalPrelude?.compile?.stdout ?? '',
            stderr: finalPrelude?.compile?.stderr ?? '',
            truncated: finalPrelude?.compile?.truncated ?? false,
            timeMs: Math.round((finalPrelude ? compileEndedAt : stoppedAt) - startedAt),
            timedOut: this.stopReason === 'compile_timeout',
            timeLimitMs: limits.compileTimeMs,
          }
        : null;
      const run: RunObservation | null = runStarted
        ? {
            waitStatus: program.waitStatus,
            stdout: program.stdout,
            stderr: program.stderr,
            truncated: program.truncated,
            timeMs: Math.round((program.waitStatus !== null ? lastOutputAt : stoppedAt) - runStartedAt),
            timedOut: this.stopReason === 'run_timeout',
            outputLimited: this.stopReason === 'output_limit' || program.truncated,
            oomKilled,
          }
        : null;
      return codeResult(compile, run);
    } finally {
      clearTimeout(this.timer);
      this.hooks.signal?.removeEventListener('abort', abort);
      await container.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
        // 404: already gone. Anything else is left to the sweeper, which finds it by its labels.
        if (error.statusCode !== 404)
          this.hooks.log?.warn({ err: error, container: container.id }, 'sandbox removal failed');
      });
      this.hooks.onContainer?.(container.id, false);
      this.enter('cleaned_up');
    }
  }

  private enter(state: SandboxJobState): void {
    this.currentState = state;
    this.hooks.log?.debug({ task_id: this.input.taskId, sandbox_state: state }, 'sandbox job state');
  }

  private arm(container: Docker.Container, ms: number, reason: StopReason): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stop(container, reason), ms);
  }

  private stop(container: Docker.Container, reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    clearTimeout(this.timer);
    container.kill().catch(() => {
      // Already stopped: nothing to do.
    });
  }
}
