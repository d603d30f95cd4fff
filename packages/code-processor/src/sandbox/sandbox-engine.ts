/**
 * The port a SandboxJob drives: the few container operations it needs, and nothing of dockerode. The Docker
 * adapter is docker-sandbox-engine.ts; the unit tests drive a job with a fake container through this port.
 */
import type { Duplex } from 'node:stream';
import type { ContainerCreateOptions } from 'dockerode';

/** What the engine recorded about a stopped container: facts about the program, not about the host's timers. */
export interface ContainerFacts {
  /** The kernel's OOM killer acted inside the container. */
  oomKilled: boolean;
  /** When the engine started and saw the container stop (epoch ms), or null when it does not say. */
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

export interface SandboxContainer {
  readonly id: string;
  /** The multiplexed stdin/stdout/stderr stream (no TTY); attached before start so no byte is missed. */
  attach(): Promise<Duplex>;
  start(): Promise<void>;
  /** Resolves with the container's exit code once it has stopped; rejects when `signal` aborts first. */
  wait(signal: AbortSignal): Promise<{ statusCode: number }>;
  inspect(): Promise<ContainerFacts>;
  kill(): Promise<void>;
  /** Changes the memory limit (RAM, swap off) of the running container. */
  setMemory(bytes: number): Promise<void>;
  /** Removes the container (forced); resolves when it is gone or was already gone. */
  remove(): Promise<void>;
}

export interface SandboxEngine {
  createContainer(spec: ContainerCreateOptions): Promise<SandboxContainer>;
}

/** The engine did not answer in time (a dropped connection, a hung daemon): the sandbox cannot go on. */
export class SandboxEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxEngineError';
  }
}

/**
 * A container of the warm pool: created with the sandbox spec, attached and started, its supervisor waiting
 * for its task's plan on stdin. It serves one task, then is removed.
 */
export interface WarmSandbox {
  container: SandboxContainer;
  /** The attach stream, paused: nothing has been read from it (the supervisor says nothing before its plan). */
  stream: Duplex;
  /** The memory limit it was created with; a task that needs another gets it applied before it starts. */
  memoryBytes: number;
}
