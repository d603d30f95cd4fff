/**
 * The machine's ceiling for one-container-per-task work: how many sandbox containers Docker alone creates,
 * attaches, starts and removes per second, `parallel` at a time, with the sandbox's own spec and image and no
 * task in them. A code task costs at least one such cycle (the warm pool moves it off the task's path, not off
 * the machine), so no throughput of code tasks can pass this figure for long; the benches print it beside
 * theirs, measured in the same run.
 */
import {
  DEFAULT_SANDBOX_LIMITS,
  DockerSandboxEngine,
  pooledSandboxSpec,
  SandboxSweeper,
} from '@conveyor/code-processor';
import Docker from 'dockerode';

export async function dockerChurn(image: string, count: number, parallel: number): Promise<number> {
  const docker = new Docker();
  const engine = new DockerSandboxEngine(docker);
  const deployment = `bench-churn-${process.pid}`;
  const workerId = 'bench-churn';
  const spec = pooledSandboxSpec({ image, deployment, workerId, limits: DEFAULT_SANDBOX_LIMITS });
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next++ < count) {
          const container = await engine.createContainer(spec);
          const stream = await container.attach();
          await container.start();
          stream.destroy();
          await container.remove();
        }
      }),
    );
    return (count * 1000) / (performance.now() - started);
  } finally {
    // A cycle that failed half-way leaves its container: swept by its labels.
    await new SandboxSweeper({ docker, deployment, workerId, image, working: () => new Set() }).sweep({ all: true });
  }
}
