/**
 * The SandboxEngine on the Docker Engine API, through dockerode: the only sandbox file that talks to Docker
 * for a job. Every call is bounded: a dropped or hung connection to the engine must end the job with an
 * error (the task goes back to the queue) instead of leaving it waiting forever.
 */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import { afterPendingIo } from './after-pending-io.js';
import {
  type ContainerFacts,
  type SandboxContainer,
  type SandboxEngine,
  SandboxEngineError,
} from './sandbox-engine.js';

/** How long one engine call (create, start, inspect, kill, update, remove) may take. */
export const DEFAULT_ENGINE_CALL_TIMEOUT_MS = 10_000;

export class DockerSandboxEngine implements SandboxEngine {
  constructor(
    private readonly docker: Docker,
    private readonly callTimeoutMs = DEFAULT_ENGINE_CALL_TIMEOUT_MS,
  ) {}

  async createContainer(spec: ContainerCreateOptions): Promise<SandboxContainer> {
    const container = await bounded('create', this.callTimeoutMs, (abortSignal) =>
      this.docker.createContainer({ ...spec, abortSignal }),
    );
    return new DockerSandboxContainer(container, this.callTimeoutMs);
  }
}

class DockerSandboxContainer implements SandboxContainer {
  readonly id: string;

  constructor(
    private readonly container: Docker.Container,
    private readonly callTimeoutMs: number,
  ) {
    this.id = container.id;
  }

  attach(): Promise<Duplex> {
    return this.call('attach', async (abortSignal) => {
      const options = { stream: true, stdin: true, stdout: true, stderr: true, hijack: true, abortSignal };
      return (await this.container.attach(options)) as Duplex;
    });
  }

  start(): Promise<void> {
    return this.call('start', (abortSignal) => this.container.start({ abortSignal }));
  }

  async wait(signal: AbortSignal): Promise<{ statusCode: number }> {
    const exit = (await bounded(
      'wait',
      Number.POSITIVE_INFINITY,
      (abortSignal) => this.container.wait({ abortSignal }),
      signal,
    )) as {
      StatusCode: number;
    };
    return { statusCode: exit.StatusCode };
  }

  async inspect(): Promise<ContainerFacts> {
    const state = (await this.call('inspect', (abortSignal) => this.container.inspect({ abortSignal }))).State;
    return {
      oomKilled: state.OOMKilled === true,
      startedAtMs: engineTime(state.StartedAt),
      finishedAtMs: engineTime(state.FinishedAt),
    };
  }

  kill(): Promise<void> {
    return this.call('kill', (abortSignal) => this.container.kill({ abortSignal }));
  }

  setMemory(bytes: number): Promise<void> {
    return this.call('update', (abortSignal) =>
      this.container.update({ Memory: bytes, MemorySwap: bytes, abortSignal }),
    );
  }

  async remove(): Promise<void> {
    try {
      await this.call('remove', (abortSignal) => this.container.remove({ force: true, v: true, abortSignal }));
    } catch (error) {
      // 404: already gone, which is what was asked.
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }

  private call<T>(what: string, run: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return bounded(what, this.callTimeoutMs, run);
  }
}

/**
 * Runs one engine call with a deadline (and an outer signal): on either, the request is aborted and the
 * promise rejects at once, whether or not the client library notices the abort.
 */
function bounded<T>(
  what: string,
  timeoutMs: number,
  run: (abortSignal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const cancel = Number.isFinite(timeoutMs)
    ? afterPendingIo(timeoutMs, () =>
        controller.abort(new SandboxEngineError(`docker ${what}: no answer from the engine within ${timeoutMs} ms`)),
      )
    : () => {};
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  return Promise.race([run(controller.signal), aborted]).finally(() => {
    cancel();
    outer?.removeEventListener('abort', onOuter);
  });
}

/** Docker writes "0001-01-01T00:00:00Z" for a time that has not happened. */
function engineTime(value: string | undefined): number | null {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
