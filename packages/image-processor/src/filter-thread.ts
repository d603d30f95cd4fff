/**
 * Entry of a filter thread (see filter-pool.ts): applies a chain of filters to the decoded samples it is
 * sent and sends the result back, moving the buffers rather than copying them.
 */
import { parentPort } from 'node:worker_threads';
import type { FilterStep } from '@conveyor/shared';
import { applyFilters } from './apply-filters.js';
import type { RawImage } from './raw-image.js';

export interface FilterJob {
  image: RawImage;
  steps: FilterStep[];
}

export type FilterJobResult = { ok: true; image: RawImage } | { ok: false; message: string };

if (!parentPort) throw new Error('filter-thread.ts runs as a worker thread of FilterPool');
const port = parentPort;
port.on('message', (job: FilterJob) => {
  let result: FilterJobResult;
  try {
    result = { ok: true, image: applyFilters(job.image, job.steps) };
  } catch (error) {
    result = { ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  const transfer = result.ok ? [result.image.data.buffer as ArrayBuffer] : [];
  port.postMessage(result, transfer);
});
