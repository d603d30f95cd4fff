/** Exponential back-off with full jitter: spreads retries of many workers so they do not hit the API in step. */
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** The cap of the first delay; the cap doubles with each attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A random delay in [0, min(maxDelayMs, baseDelayMs * 2^attempt)); attempt counts from 0. */
export function backoffDelayMs(
  attempt: number,
  { baseDelayMs, maxDelayMs }: BackoffOptions,
  random = Math.random,
): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

/** Waits `ms`; rejects early with the signal's reason when it aborts. */
export async function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, undefined, signal ? { signal } : undefined);
}
