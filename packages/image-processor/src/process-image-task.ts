/**
 * The image worker's task handler: validates the task again with the shared contract (the API did it at
 * the door, but the queue is not trusted), decodes the PNG under the byte and pixel caps, applies the
 * filter chain and encodes the result.
 *
 * Anything wrong with the task itself (bad parameters, not base64, not a PNG, corrupt, too large) is a
 * `failed` outcome, final and never retried. Only what is not the input's fault (say, encoding running out
 * of memory) throws, so that the runtime puts the message back for another try.
 */
import {
  checkPng,
  decodeBase64,
  type ImageLimits,
  isFieldError,
  parseFilterChain,
  type TaskHandler,
  type TaskOutcome,
} from '@conveyor/shared';
import { applyFilters } from './apply-filters.js';
import { splitDecodeSteps } from './decode-steps.js';
import { FilterPool } from './filter-pool.js';
import { inOnePass } from './one-pass.js';
import { decodePng, encodePng, filterPngInOnePass, InvalidImageError } from './png-codec.js';

export interface ImageTaskOptions extends ImageLimits {
  /**
   * Threads that run the filters (see filter-pool.ts); 0 runs them on the calling thread. Set it to the
   * number of images the worker takes at once.
   */
  filterThreads?: number;
  /**
   * The most one task may take, decoding to encoding; past it the task ends `failed` with `time_limit` (the
   * filter thread is terminated). Unset: no deadline.
   */
  deadlineMs?: number;
}

export type ImageTaskHandler = TaskHandler & {
  /** Stops the filter threads; tasks still waiting for one are rejected. */
  close: () => Promise<void>;
};

export function createImageTaskHandler(options: ImageTaskOptions): ImageTaskHandler {
  const limits: ImageLimits = { maxBytes: options.maxBytes, maxPixels: options.maxPixels };
  const pool = options.filterThreads ? new FilterPool(options.filterThreads) : undefined;
  const handler: TaskHandler = async (message, context) => {
    if (message.type !== 'image') {
      return failed('invalid_task', `the image worker got a ${String(message.type)} task`);
    }
    const payload = message.payload as { filters?: unknown; image?: unknown };
    const steps = parseFilterChain({ filters: payload.filters });
    if (isFieldError(steps)) return failed('invalid_parameters', `${steps.field}: ${steps.message}`);

    if (typeof payload.image !== 'string') return failed('invalid_image', 'image must be a base64 PNG string');
    const bytes = decodeBase64(payload.image);
    if (!bytes) return failed('invalid_image', 'image is not valid base64');
    const header = checkPng(bytes, limits);
    if (isFieldError(header)) {
      return failed(header.status === 413 ? 'image_too_large' : 'invalid_image', header.message);
    }

    // The deadline as a timer (it terminates a filter thread) and as a time (checked between steps on the
    // calling thread, where no timer can fire while a step runs).
    const deadlineAt = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.deadlineMs;
    const deadline = options.deadlineMs === undefined ? undefined : AbortSignal.timeout(options.deadlineMs);
    const signal = deadline ? AbortSignal.any([context.signal, deadline]) : context.signal;
    const pastDeadline = () => Date.now() >= deadlineAt;
    // Negative and the flips at the head of the chain are done by libvips while it decodes (decode-steps.ts).
    const { decode, rest } = splitDecodeSteps(steps);
    try {
      let png: Buffer;
      if (inOnePass(header, bytes.length, rest)) {
        png = await filterPngInOnePass(bytes, { maxPixels: options.maxPixels, steps: decode });
      } else {
        const decoded = await decodePng(bytes, { maxPixels: options.maxPixels, steps: decode });
        signal.throwIfAborted();
        const filtered =
          rest.length === 0
            ? decoded
            : pool
              ? await pool.run(decoded, rest, signal)
              : applyFilters(decoded, rest, signal, pastDeadline);
        png = await encodePng(filtered);
      }
      if (pastDeadline()) throw new Error('past the deadline');
      return { status: 'ready', result: png.toString('base64') };
    } catch (error) {
      // Only reading the PNG throws this (decodePng, filterPngInOnePass): the input's fault, whatever the time.
      if (error instanceof InvalidImageError) return failed('invalid_image', error.message);
      // The deadline is the task's own verdict; a shutdown (context.signal) is not, and goes back to the queue.
      if (!context.signal.aborted && (deadline?.aborted || pastDeadline())) {
        return failed('time_limit', `the image task took longer than its deadline of ${options.deadlineMs} ms`);
      }
      throw error;
    }
  };
  // Decoding, filtering and encoding touch nothing outside this process: the worker may start them
  // alongside its `running` commit and drop the result if that commit is not taken.
  return Object.assign(handler, { startsBeforeRunning: true, close: async () => pool?.close() });
}

function failed(code: string, message: string): TaskOutcome {
  return { status: 'failed', error: { code, message } };
}
