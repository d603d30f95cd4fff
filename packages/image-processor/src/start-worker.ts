/**
 * Starts a worker thread on one of this package's files, `name` (no extension) next to `base`
 * (import.meta.url of the caller). From the build, the file is `name.js`. From source (.ts, run through
 * tsx), Node 20 does not carry the parent's `--import tsx` into worker threads, so the thread registers tsx
 * itself before loading the TypeScript file.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startWorker(base: string, name: string, options: WorkerOptions = {}): Worker {
  if (!base.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, base), options);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const thread = JSON.stringify(new URL(`./${name}.ts`, base).href);
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${thread}); });`, {
    ...options,
    eval: true,
  });
}
