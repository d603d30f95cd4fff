/**
 * A small pool of worker threads that run the filters, so that:
 * - the event loop stays free while a big picture is blurred (a 40 MP picture at sigma 50 takes over ten
 *   seconds of CPU), for the queue's heartbeats, health checks and shutdown;
 * - N images at once really run on N cores: on the main thread their filter steps would take turns.
 * Decoding and encoding stay with sharp, which already runs them off the event loop.
 *
 * Threads start on first use and are unref'd, so an idle pool never keeps the process alive.
 */
import type { Worker } from 'node:worker_threads';
import type { FilterStep } from '@conveyor/shared';
import type { FilterJob, FilterJobResult } from './filter-thread.js';
import type { RawImage } from './raw-image.js';
import { startWorker } from './start-worker.js';

interface Waiting {
  job: FilterJob;
  resolve: (image: RawImage) => void;
  reject: (error: Error) => void;
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the filter job was aborted');
}

export class FilterPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Waiting>();
  private readonly queue: Waiting[] = [];
  private closed = false;

  /** Threads started and not lost: working, waiting for work, or still starting. */
  get threads(): number {
    return this.idle.length + this.busy.size;
  }

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a filter pool needs at least 1 thread, got ${size}`);
  }

  /**
   * Applies the steps in a thread; the image's buffer is moved there (do not use it afterwards). When `signal`
   * aborts (the task's deadline), a waiting job is dropped and a running one's thread is terminated: a filter
   * step cannot be interrupted otherwise, and a 40 MP blur runs for tens of seconds.
   */
  run(image: RawImage, steps: FilterStep[], signal?: AbortSignal): Promise<RawImage> {
    if (this.closed) return Promise.reject(new Error('the filter pool is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { job: { image, steps }, resolve, reject };
      const onAbort = () => this.abort(waiting, abortReason(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.resolve = (result) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      waiting.reject = (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      this.queue.push(waiting);
      this.dispatch();
    });
  }

  private abort(waiting: Waiting, reason: Error): void {
    const queued = this.queue.indexOf(waiting);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      waiting.reject(reason);
      return;
    }
    for (const [worker, job] of this.busy) {
      if (job !== waiting) continue;
      // Forget the thread first, so its exit is not taken for a crash of the next job. Its replacement starts
      // now rather than on the next job's path: a thread's start (loading the module, compiling the wasm
      // filters) would count against that job's deadline.
      this.busy.delete(worker);
      worker.removeAllListeners('exit');
      worker.removeAllListeners('error');
      worker.on('error', () => {});
      void worker.terminate();
      if (!this.closed) this.idle.push(this.spawn());
      waiting.reject(reason);
      this.dispatch();
      return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiting of this.queue.splice(0)) waiting.reject(new Error('the filter pool is closed'));
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.busy.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const waiting = this.queue.shift()!;
      this.busy.set(worker, waiting);
      worker.ref(); // while it works, the pool is reason enough to stay alive
      const { image } = waiting.job;
      const buffer = image.data.buffer as ArrayBuffer;
      // Move the samples when they own their buffer; a view into a larger one (Node's pool) is copied.
      const whole = image.data.byteOffset === 0 && image.data.byteLength === buffer.byteLength;
      const job: FilterJob = whole ? waiting.job : { ...waiting.job, image: { ...image, data: image.data.slice() } };
      try {
        worker.postMessage(job, [job.image.data.buffer as ArrayBuffer]);
      } catch {
        // Some buffers cannot be moved (memory a native addon handed out): send a copy.
        worker.postMessage({ ...job, image: { ...job.image, data: job.image.data.slice() } });
      }
    }
  }

  private spawn(): Worker {
    const worker = startWorker(import.meta.url, 'filter-thread');
    worker.unref();
    worker.on('message', (result: FilterJobResult) => {
      const waiting = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      if (!this.closed) this.idle.push(worker);
      if (waiting) {
        if (result.ok) waiting.resolve(result.image);
        else waiting.reject(new Error(`filter thread failed: ${result.message}`));
      }
      this.dispatch();
    });
    const lost = (error: Error) => {
      const waiting = this.busy.get(worker);
      this.busy.delete(worker);
      const index = this.idle.indexOf(worker);
      if (index >= 0) this.idle.splice(index, 1);
      waiting?.reject(error);
      if (!this.closed) this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`filter thread exited with code ${code}`)));
    return worker;
  }
}
