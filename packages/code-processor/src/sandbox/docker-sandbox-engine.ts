/**
 * The SandboxEngine on the Docker Engine API, through dockerode: the only sandbox file that talks to Docker
 * for a job.
 */
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import type { ContainerFacts, SandboxContainer, SandboxEngine } from './sandbox-engine.js';

export class DockerSandboxEngine implements SandboxEngine {
  constructor(private readonly docker: Docker) {}

  async createContainer(spec: ContainerCreateOptions): Promise<SandboxContainer> {
    return new DockerSandboxContainer(await this.docker.createContainer(spec));
  }
}

class DockerSandboxContainer implements SandboxContainer {
  readonly id: string;

  constructor(private readonly container: Docker.Container) {
    this.id = container.id;
  }

  async attach(): Promise<Duplex> {
    const options = { stream: true, stdin: true, stdout: true, stderr: true, hijack: true };
    return (await this.container.attach(options)) as Duplex;
  }

  async start(): Promise<void> {
    await this.container.start();
  }

  async wait(): Promise<{ statusCode: number }> {
    const exit = (await this.container.wait()) as { StatusCode: number };
    return { statusCode: exit.StatusCode };
  }

  async inspect(): Promise<ContainerFacts> {
    const state = (await this.container.inspect()).State;
    return {
      oomKilled: state.OOMKilled === true,
      startedAtMs: engineTime(state.StartedAt),
      finishedAtMs: engineTime(state.FinishedAt),
    };
  }

  async kill(): Promise<void> {
    await this.container.kill();
  }

  async setMemory(bytes: number): Promise<void> {
    await this.container.update({ Memory: bytes, MemorySwap: bytes });
  }

  async remove(): Promise<void> {
    try {
      await this.container.remove({ force: true, v: true });
    } catch (error) {
      // 404: already gone, which is what was asked.
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
}

/** Docker writes "0001-01-01T00:00:00Z" for a time that has not happened. */
function engineTime(value: string | undefined): number | null {
  const ms = value ? Date.parse(value) : Number.NaN;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}
