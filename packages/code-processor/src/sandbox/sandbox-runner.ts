/**
 * Runs code tasks in sandboxes through the Docker Engine: one fresh container per task (a warm one from the
 * pool when it has one), retried when Docker itself fails. Knows which containers are at work so the
 * sweeper never removes one of them.
 */

import { type CodeResult, type CodeTaskPayload, DEFAULT_COMPARE, type Logger, SETTINGS } from '@conveyor/shared';
import type Docker from 'dockerode';
import { DockerSandboxEngine } from './docker-sandbox-engine.js';
import { DEFAULT_SANDBOX_LIMITS, limitsForTask, type SandboxLimitsConfig } from './limits.js';
import type { SandboxEngine } from './sandbox-engine.js';
import { SandboxJob } from './sandbox-job.js';
import type { SandboxPool } from './sandbox-pool.js';
import { TRANSLATOR_SPECS } from './translators.js';
import { type TranslatorVersions, versionProbeJob, versionsOf } from './version-probe.js';

export const DEFAULT_SANDBOX_IMAGE = SETTINGS.SANDBOX_IMAGE.default;
/** The deployment label when none is configured (see the sweeper). */
export const DEFAULT_DEPLOYMENT = 'default';

export interface SandboxRunnerOptions {
  docker: Docker;
  /** Written on every container's labels, with the deployment: the sweeper's scope. */
  workerId: string;
  deployment?: string;
  image?: string;
  limits?: SandboxLimitsConfig;
  log?: Logger;
  /** Tries per task when Docker fails (not when the program does); 3 unless told. */
  attempts?: number;
  /** How long isReady() waits for Docker's answer. */
  pingTimeoutMs?: number;
  /** The engine port; the Docker adapter on `docker` unless told (the pool shares it). */
  engine?: SandboxEngine;
  /** Warm containers, taken before creating one; none: every task takes the cold path. */
  pool?: SandboxPool;
}

/** Thrown when the sandbox could not run at all, after every attempt: the task goes back to the queue. */
export class SandboxUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxUnavailableError';
  }
}

export interface RunOptions {
  taskId: string;
  signal?: AbortSignal;
}

const RETRY_DELAYS_MS = [200, 1_000, 3_000];

export class SandboxRunner {
  readonly image: string;
  readonly workerId: string;
  readonly deployment: string;
  readonly limits: SandboxLimitsConfig;
  private readonly docker: Docker;
  private readonly engine: SandboxEngine;
  private readonly pool: SandboxPool | undefined;
  private readonly log: Logger | undefined;
  private readonly attempts: number;
  private readonly pingTimeoutMs: number;
  private readonly working = new Set<string>();
  /** Runs not yet settled, and the removals of the containers of runs that have their result. */
  private readonly active = new Set<Promise<unknown>>();

  constructor(options: SandboxRunnerOptions) {
    this.docker = options.docker;
    this.engine = options.engine ?? new DockerSandboxEngine(options.docker);
    this.pool = options.pool;
    this.workerId = options.workerId;
    this.deployment = options.deployment ?? DEFAULT_DEPLOYMENT;
    this.image = options.image ?? DEFAULT_SANDBOX_IMAGE;
    this.limits = options.limits ?? DEFAULT_SANDBOX_LIMITS;
    this.log = options.log;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  }

  /** Runs one task to its result. Throws SandboxUnavailableError only when the sandbox itself cannot run. */
  run(task: CodeTaskPayload, options: RunOptions): Promise<CodeResult> {
    return this.track(this.runWithRetries(task, options));
  }

  /** A job's container at work (the sweeper leaves it alone) or done with. */
  private readonly onContainer = (id: string, alive: boolean): void => {
    if (alive) this.working.add(id);
    else this.working.delete(id);
  };

  /** Counts a promise as work in progress until it settles (drain() waits for it). */
  private track<T>(work: Promise<T>): Promise<T> {
    this.active.add(work);
    const forget = () => this.active.delete(work);
    work.then(forget, forget);
    return work;
  }

  /**
   * Resolves true once every run has settled and removed its container, or false after `timeoutMs`. A worker
   * that abandons tasks at shutdown stops waiting for them; awaiting this before exit still removes their
   * containers (aborted runs stop their program at once).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([Promise.allSettled([...this.active]).then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Reads every translator's version from the sandbox image, in one locked-down container (see
   * version-probe.ts). Tracked as a task is: the sweeper leaves its container alone and drain() waits for it.
   * Throws when the sandbox could not run (no retry here: the caller tries again later).
   */
  probeVersions(signal?: AbortSignal): Promise<TranslatorVersions> {
    const job = new SandboxJob(
      this.engine,
      versionProbeJob({ deployment: this.deployment, workerId: this.workerId, image: this.image, limits: this.limits }),
      {
        log: this.log,
        signal,
        onContainer: this.onContainer,
      },
    );
    return this.track(job.run()).then(versionsOf);
  }

  private async runWithRetries(task: CodeTaskPayload, options: RunOptions): Promise<CodeResult> {
    const limits = limitsForTask(task.limits, this.limits);
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      options.signal?.throwIfAborted();
      const job = new SandboxJob(
        this.engine,
        {
          taskId: options.taskId,
          deployment: this.deployment,
          workerId: this.workerId,
          image: this.image,
          translator: TRANSLATOR_SPECS[task.translator],
          code: task.code,
          stdin: task.stdin,
          limits,
          args: task.args,
          files: task.files?.map((file) => ({
            name: file.name,
            bytes: Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8'),
          })),
          compilerOptions: task.compiler_options,
          judge: task.tests && {
            tests: task.tests,
            compare: task.compare ?? DEFAULT_COMPARE,
            stopOnFailure: task.stop_on_failure ?? false,
          },
        },
        {
          log: this.log,
          signal: options.signal,
          onContainer: this.onContainer,
          takeWarm: () => this.pool?.take() ?? null,
          // The result is sent while Docker removes the container; drain() still waits for the removal.
          removeLater: (removal) => void this.track(removal),
        },
      );
      try {
        return await job.run();
      } catch (error) {
        lastError = error;
        if (options.signal?.aborted) break;
        this.log?.warn({ err: error, task_id: options.taskId, attempt, state: job.state }, 'sandbox attempt failed');
        if (attempt < this.attempts) await delay(RETRY_DELAYS_MS[attempt - 1] ?? 3_000, options.signal);
      }
    }
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    throw new SandboxUnavailableError(`sandbox could not run task ${options.taskId}: ${reason}`, { cause: lastError });
  }

  /** True when Docker answers and the sandbox image is there; the worker takes no task while this is false. */
  async isReady(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    const answered = (async () => {
      await this.docker.ping();
      await this.docker.getImage(this.image).inspect();
      return true;
    })().catch(() => false);
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ids of the containers running a task right now. */
  workingContainers(): ReadonlySet<string> {
    return this.working;
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
