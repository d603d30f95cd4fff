/**
 * A worker stand-in that keeps a warm sandbox pool and nothing else: once the pool is full it prints its
 * containers' ids as one JSON line, then idles until killed. The test SIGKILLs it to play a crashed worker.
 * Argument: JSON { workerId, deployment, image, size }.
 */
import Docker from 'dockerode';
import { DEFAULT_SANDBOX_LIMITS, DockerSandboxEngine, pooledSandboxSpec, SandboxPool } from '../../src/index.js';

const { workerId, deployment, image, size } = JSON.parse(process.argv[2] ?? '{}');
const pool = new SandboxPool({
  engine: new DockerSandboxEngine(new Docker()),
  spec: pooledSandboxSpec({ image, deployment, workerId, limits: DEFAULT_SANDBOX_LIMITS }),
  size,
});
pool.start();
while (pool.ready < size) await new Promise((resolve) => setTimeout(resolve, 20));
process.stdout.write(`${JSON.stringify({ containers: [...pool.containers()] })}\n`);
setInterval(() => {}, 60_000);
