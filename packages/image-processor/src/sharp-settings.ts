import { availableParallelism } from 'node:os';
import sharp from 'sharp';

export interface SharpSettings {
  /** How many images the worker processes at once (its queue prefetch). */
  imagesAtOnce: number;
  /** CPUs to share between them; defaults to what the OS reports as available. */
  cpus?: number;
}

/**
 * Sets libvips' threading for a worker that runs several images at once.
 *
 * By default every sharp call may use as many libvips threads as there are CPUs, so N images at once run
 * N x CPUs threads that fight over the cores and each image's pipeline thrashes the others' caches. Giving
 * each image CPUs / N threads (at least 1) keeps the total at about one thread per core; with N = CPUs
 * (the default) that is one thread per image, which is also the best split for PNG: zlib inflate and
 * deflate are serial per image, so extra threads inside one image buy little. libuv's pool, which runs
 * sharp's calls, has 4 threads unless UV_THREADPOOL_SIZE says otherwise, so N above 4 also needs it set in
 * the environment before the process starts (nothing sets it for you: Node reads it once, at start).
 *
 * The operation cache is turned off: each task decodes a different picture, so cached operations are
 * never reused and would only hold memory (it defaults to 50 MB and 100 operations), which would make
 * the RSS of a long-running worker climb.
 *
 * Returns the threads per image it set.
 */
export function configureSharp(settings: SharpSettings): { threadsPerImage: number } {
  // availableParallelism honours the CPU affinity mask (a container's --cpuset-cpus).
  const cpus = settings.cpus ?? availableParallelism();
  const threadsPerImage = Math.max(1, Math.floor(cpus / Math.max(1, settings.imagesAtOnce)));
  sharp.concurrency(threadsPerImage);
  sharp.cache(false);
  return { threadsPerImage };
}
