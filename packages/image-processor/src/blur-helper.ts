/**
 * Two threads per picture for Blur and Sharpen: the thread that runs the filter (a filter thread, or the
 * main thread) and one helper thread of its own, started on first use, share the picture's rows.
 *
 * The picture is cut into parts of rows (blurRows computes any range of output rows); both threads take
 * parts from one counter until none is left, so a helper that is slow to be scheduled (a loaded machine) or
 * not started yet takes fewer parts or none, and the filter never waits for a part nobody has begun. The
 * two threads meet through shared memory, without the event loop: the filter thread must return the
 * blurred picture synchronously, and a message would wait for the helper's event loop.
 *
 * - Control words (an Int32Array over a SharedArrayBuffer): the job last posted, the next part to take
 *   (tagged with its job, so a late helper cannot take a part of a job it did not read), the parts the
 *   helper finished, whether it is ready, whether a part failed there.
 * - The job (its shape, sigma, the part bounds and the shared memory holding the source and the output)
 *   is posted on a MessagePort that the helper reads synchronously (receiveMessageOnPort) once woken.
 *
 * libvips does the same for sharp's `blur` (its threads share the picture's lines): with two threads each,
 * the bench compares like with like.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, type Worker } from 'node:worker_threads';
import type { RawImage } from './raw-image.js';
import { startWorker } from './start-worker.js';

/** What a thread needs to blur its parts of a picture; it is posted to the helper as it is. */
export interface BlurJob {
  width: number;
  height: number;
  channels: RawImage['channels'];
  sigma: number;
  sharpen: boolean;
  /** Whether colour is weighted by alpha (there is alpha, and it is not 255 everywhere). */
  alpha: boolean;
}

/** Output rows from .. to-1 of the job's blur of `source`, written to the same rows of `output`. */
export type BlurRows = (source: Uint8Array, output: Uint8Array, job: BlurJob, from: number, to: number) => void;

interface PostedJob {
  number: number;
  memory: SharedArrayBuffer;
  job: BlurJob;
  /** Part k is rows bounds[k] .. bounds[k + 1] - 1. */
  bounds: number[];
}

// The control words, by index.
const POSTED = 0;
const NEXT = 1;
const DONE = 2;
const READY = 3;
const FAILED = 4;
const CONTROL_WORDS = 5;
/** NEXT holds (job number << PART_BITS) | the next part; job numbers wrap within JOB_MASK. */
const PART_BITS = 8;
const JOB_MASK = (1 << 22) - 1;

/**
 * Parts per picture: four, so that the faster thread takes more of them; each part also runs the
 * horizontal pass over the `radius` rows on either side of it, so parts keep at least 4 * radius rows (and
 * 64). Pictures under SHARED_SAMPLES stay on one thread: the hand-over would cost more than it saves.
 */
const PARTS = 4;
const SHARED_SAMPLES = 1 << 18;
/** A helper that took a part and has not finished it after this long is taken for lost. */
const HELPER_TIMEOUT_MS = 60_000;
/** The shared memory for the source and output is kept for the next picture up to this size. */
const SPARE_SHARED_BYTES = 96 * 1024 * 1024;

interface Helper {
  worker: Worker;
  control: Int32Array;
  port: MessagePort;
}

/** undefined: not started yet; null: not to be used (one CPU, or it failed). */
let helper: Helper | null | undefined;
let shared: SharedArrayBuffer | undefined;
let jobNumber = 0;
/** Parts the helper has computed in this thread's life, for the tests. */
let helperParts = 0;

export function blurPartsByHelper(): number {
  return helperParts;
}

/**
 * Starts the helper now rather than on the first large picture, and resolves once it is ready (false when
 * there is none to be had: one CPU, or it did not start within `timeoutMs`).
 */
export async function startBlurHelper(timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    readyHelper();
    if (!helper) return false;
    if (Atomics.load(helper.control, READY) === 1) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

function readyHelper(): Helper | undefined {
  if (helper === undefined) helper = availableParallelism() >= 2 ? startHelper() : null;
  return helper && Atomics.load(helper.control, READY) === 1 ? helper : undefined;
}

function startHelper(): Helper {
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker(import.meta.url, 'blur-thread', {
    workerData: { control: control.buffer, port: port2 },
    transferList: [port2],
  });
  worker.unref(); // an idle helper never keeps the process alive
  port1.unref();
  const lost = () => {
    if (helper?.worker === worker) helper = null; // from now on, one thread per picture
  };
  worker.on('error', lost);
  worker.on('exit', lost);
  return { worker, control, port: port1 };
}

/** The next part of job `number` nobody has taken, or undefined when there is none. */
function takePart(control: Int32Array, number: number, parts: number): number | undefined {
  for (;;) {
    const word = Atomics.load(control, NEXT);
    const part = word & ((1 << PART_BITS) - 1);
    if (word >>> PART_BITS !== number || part >= parts) return undefined;
    if (Atomics.compareExchange(control, NEXT, word, word + 1) === word) return part;
  }
}

/** The row bounds of the parts of a job, or one part when the picture is small. */
function partBounds(job: BlurJob, radius: number): number[] {
  const minRows = Math.max(64, 4 * radius);
  const large = job.width * job.height * job.channels >= SHARED_SAMPLES;
  const parts = large ? Math.max(1, Math.min(PARTS, Math.floor(job.height / minRows))) : 1;
  return Array.from({ length: parts + 1 }, (_, k) => Math.round((job.height * k) / parts));
}

/**
 * The job's blur of `source`, as new samples: in parts shared with the helper thread when the picture is
 * large and the helper is ready, else all here.
 */
export function blurInParts(source: Uint8Array, job: BlurJob, radius: number, blurRows: BlurRows): Uint8Array {
  const bounds = partBounds(job, radius);
  const parts = bounds.length - 1;
  const ready = parts > 1 ? readyHelper() : undefined;
  if (!ready) {
    const output = new Uint8Array(source.length);
    blurRows(source, output, job, 0, job.height);
    return output;
  }
  const { control, port } = ready;
  const n = source.length;
  if (!shared || shared.byteLength < 2 * n) shared = new SharedArrayBuffer(2 * n);
  const memory = shared;
  if (memory.byteLength > SPARE_SHARED_BYTES) shared = undefined;
  const input = new Uint8Array(memory, 0, n);
  const output = new Uint8Array(memory, n, n);
  input.set(source);
  jobNumber = (jobNumber % JOB_MASK) + 1;
  const number = jobNumber;
  Atomics.store(control, DONE, 0);
  Atomics.store(control, FAILED, 0);
  Atomics.store(control, NEXT, number << PART_BITS);
  port.postMessage({ number, memory, job, bounds } satisfies PostedJob);
  Atomics.store(control, POSTED, number);
  Atomics.notify(control, POSTED);
  let mine = 0;
  for (let part = takePart(control, number, parts); part !== undefined; part = takePart(control, number, parts)) {
    blurRows(input, output, job, bounds[part]!, bounds[part + 1]!);
    mine++;
  }
  const theirs = parts - mine;
  for (let done = Atomics.load(control, DONE); done < theirs; done = Atomics.load(control, DONE)) {
    if (Atomics.wait(control, DONE, done, HELPER_TIMEOUT_MS) === 'timed-out') {
      helper = null;
      void ready.worker.terminate();
      throw new Error(`the blur helper thread did not finish its part within ${HELPER_TIMEOUT_MS} ms`);
    }
  }
  if (Atomics.load(control, FAILED) !== 0) throw new Error('the blur helper thread failed on its part');
  helperParts += theirs;
  return output.slice();
}

/**
 * The helper thread's loop (blur-thread.ts): waits for a job, takes parts of it until none is left, and
 * counts each one done (or failed) for the filter thread, which waits for them.
 */
export function serveBlurJobs(control: Int32Array, port: MessagePort, blurRows: BlurRows): void {
  let seen = 0;
  Atomics.store(control, READY, 1);
  for (;;) {
    // A timeout, so that the thread runs JS now and then and can be terminated.
    Atomics.wait(control, POSTED, seen, 1000);
    const posted = Atomics.load(control, POSTED);
    if (posted === seen) continue;
    seen = posted;
    // Only the latest job counts: the filter thread finished any older one alone.
    let latest: PostedJob | undefined;
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) latest = m.message as PostedJob;
    if (!latest || latest.number !== posted) continue;
    const { number, memory, job, bounds } = latest;
    const n = job.width * job.height * job.channels;
    const input = new Uint8Array(memory, 0, n);
    const output = new Uint8Array(memory, n, n);
    const parts = bounds.length - 1;
    for (let part = takePart(control, number, parts); part !== undefined; part = takePart(control, number, parts)) {
      try {
        blurRows(input, output, job, bounds[part]!, bounds[part + 1]!);
      } catch {
        Atomics.store(control, FAILED, 1);
      }
      Atomics.add(control, DONE, 1);
      Atomics.notify(control, DONE);
    }
  }
}
