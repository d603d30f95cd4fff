/**
 * The warm sandbox pool: a few sandbox containers per worker, created with the one sandbox spec
 * (container-spec.ts), attached and started ahead of time, their supervisor waiting for a task's plan on
 * stdin. A task takes one (SandboxJob.create), which then is that task's alone and removed after it, as a
 * cold one is; the pool makes a replacement in the background. A container is never handed out twice.
 *
 * Lifecycle: new -start()-> filling (keeps `size` containers ready or on their way) -close()-> closed
 * (stops making them, removes the idle ones and those still being made). An empty pool is not an error:
 * take() answers null and the task takes the cold path.
 *
 * The pool's containers carry the sandbox labels (and `conveyor.pooled`), so the sweeper knows them:
 * idleContainers() keeps this worker's sweeper off them, and a dead worker's idle pool exits on its own
 * (its attach connection closes, the supervisor reads EOF) and is swept as any stopped leftover.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from '@conveyor/shared';
import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxContainer, SandboxEngine, WarmSandbox } from './sandbox-engine.js';

export const SANDBOX_POOL_STATES = ['new', 'filling', 'closed'] as const;
export type SandboxPoolState = (typeof SANDBOX_POOL_STATES)[number];

export interface SandboxPoolOptions {
  engine: SandboxEngine;
  /** The sandbox spec with no task (sandboxContainerSpec with taskId null). */
  spec: ContainerCreateOptions;
  /** How many containers to keep ready; 0: none (every task takes the cold path). */
  size: number;
  log?: Logger;
  /** After a failed attempt to make one, the first wait before the next; doubled up to 30 s while they fail. */
  retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

interface Idle {
  sandbox: WarmSandbox;
  /** Takes the pool's own listeners off the stream (before it is handed over). */
  release: () => void;
}

export class SandboxPool {
  private currentState: SandboxPoolState = 'new';
  private readonly idle = new Map<string, Idle>();
  /** Containers being made: counted against the size; their ids once the engine gave them. */
  private making = 0;
  private readonly makingIds = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly removals = new Set<Promise<void>>();
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly memoryBytes: number;
  private readonly retryDelayMs: number;

  constructor(private readonly options: SandboxPoolOptions) {
    const memory = options.spec.HostConfig?.Memory;
    if (typeof memory !== 'number') throw new Error('the pool spec must set HostConfig.Memory');
    this.memoryBytes = memory;
    this.retryDelayMs = options.retryDelayMs ?? 1_000;
  }

  get state(): SandboxPoolState {
    return this.currentState;
  }

  get size(): number {
    return this.options.size;
  }

  /** How many containers wait for a task right now. */
  get ready(): number {
    return this.idle.size;
  }

  /** Starts filling the pool (in the background: start() does not wait for the containers). */
  start(): void {
    if (this.currentState !== 'new') throw new Error(`a sandbox pool cannot start when ${this.currentState}`);
    this.currentState = 'filling';
    this.fill();
  }

  /**
   * A warm container for one task, or null when none is ready (the task takes the cold path). It is no
   * longer the pool's: the caller runs its task in it and removes it. A replacement is begun at once.
   */
  take(): WarmSandbox | null {
    const next = this.idle.entries().next();
    if (next.done) return null;
    const [id, entry] = next.value;
    this.idle.delete(id);
    entry.release();
    this.fill();
    return entry.sandbox;
  }

  /**
   * The pool's containers (ready, or being made): none is a leftover, so the sweeper leaves them alone.
   * A taken one is no longer here: its job tells the runner it is at work, before any await.
   */
  containers(): ReadonlySet<string> {
    return new Set([...this.idle.keys(), ...this.makingIds]);
  }

  /** Stops making containers and removes every one the pool still holds; resolves once they are gone. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') {
      await this.settled();
      return;
    }
    this.currentState = 'closed';
    clearTimeout(this.retryTimer);
    for (const [id, entry] of [...this.idle]) {
      this.idle.delete(id);
      entry.release();
      entry.sandbox.stream.destroy();
      this.discard(entry.sandbox.container);
    }
    await this.settled();
  }

  /** Waits for every container being made (each removed once made, the pool being closed) and every removal. */
  private async settled(): Promise<void> {
    while (this.inFlight.size > 0 || this.removals.size > 0) {
      await Promise.allSettled([...this.inFlight, ...this.removals]);
    }
  }

  /** Begins as many containers as the pool lacks, unless a failure's back-off is running. */
  private fill(): void {
    if (this.currentState !== 'filling' || this.retryTimer) return;
    while (this.idle.size + this.making < this.options.size) {
      this.making++;
      const work = this.makeOne().finally(() => {
        this.making--;
        this.inFlight.delete(work);
      });
      this.inFlight.add(work);
    }
  }

  private async makeOne(): Promise<void> {
    let container: SandboxContainer | null = null;
    let stream: Duplex | null = null;
    try {
      container = await this.options.engine.createContainer(this.options.spec);
      this.makingIds.add(container.id);
      // Attached before start, as a cold container is: the engine closes the supervisor's stdin when this
      // connection closes, so an idle pool dies with its worker.
      stream = await container.attach();
      if (this.currentState !== 'filling') throw new PoolClosedError();
      await container.start();
      if (this.currentState !== 'filling') throw new PoolClosedError();
    } catch (error) {
      stream?.destroy();
      if (container) {
        this.makingIds.delete(container.id);
        this.discard(container);
      }
      if (error instanceof PoolClosedError) return;
      this.failed(error);
      return;
    }
    this.makingIds.delete(container.id);
    this.failures = 0;
    this.keep(container, stream);
  }

  /** Holds a started container until it is taken; one that speaks or ends before its task is thrown away. */
  private keep(container: SandboxContainer, stream: Duplex): void {
    const id = container.id;
    const lost = (why: string) => () => {
      if (!this.idle.has(id)) return;
      this.idle.delete(id);
      release();
      stream.destroy();
      this.options.log?.warn({ container: id, why }, 'a pooled sandbox was lost before its task; replacing it');
      this.discard(container);
      this.fill();
    };
    // The supervisor writes nothing before its plan: any byte is a failure message, or the end of it.
    const onData = lost('it wrote before its task');
    const onEnd = lost('its stream ended');
    const onError = lost('its stream failed');
    const release = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      // Paused: the job reads from the first byte its supervisor writes.
      stream.pause();
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
    this.idle.set(id, { sandbox: { container, stream, memoryBytes: this.memoryBytes }, release });
  }

  private failed(error: unknown): void {
    this.failures++;
    const delayMs = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** (this.failures - 1));
    this.options.log?.warn(
      { err: error, failures: this.failures, retry_in_ms: delayMs },
      'a pooled sandbox could not be made; tasks take the cold path meanwhile',
    );
    if (this.currentState !== 'filling' || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.fill();
    }, delayMs);
    this.retryTimer.unref();
  }

  /** Removes a container the pool gives up (in the background; close() waits for it). */
  private discard(container: SandboxContainer): void {
    const removal = container
      .remove()
      .catch((error: unknown) =>
        this.options.log?.warn({ err: error, container: container.id }, 'a pooled sandbox could not be removed'),
      )
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }
}

/** The pool was closed while a container was being made: it is removed, not kept. */
class PoolClosedError extends Error {}
