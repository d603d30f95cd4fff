/**
 * Follows a task until it is final, with as few requests as the API allows: each request asks the API to
 * hold it until the task changes (`?wait=`, a long-poll). An API that answers at once anyway (no long-poll)
 * is recognised by its quick, unchanged answers, and then asked again after a delay that grows (backoff),
 * so a page never polls fast for long. The network gone or a 5xx backs off the same way and is reported.
 */
import type { ApiFailure, ApiOutcome } from '../api/client.js';
import type { StatusView } from '../api/types.js';

/** Seconds the API is asked to hold a request. */
export const WAIT_SECONDS = 20;
export const FIRST_DELAY_MS = 250;
export const MAX_DELAY_MS = 5000;
const GROWTH = 1.6;

export interface WatchDeps {
  /** GET /status/{id}, with ?wait=<seconds> when waitSeconds is set. */
  fetchStatus: (
    taskId: string,
    waitSeconds: number | undefined,
    signal: AbortSignal,
  ) => Promise<ApiOutcome<StatusView>>;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  now: () => number;
}

export interface WatchCallbacks {
  onStatus: (status: StatusView) => void;
  /** A request failed; the watch goes on after a delay (network, 5xx) unless `final`. */
  onTrouble?: (failure: ApiFailure, final: boolean) => void;
}

export function nextDelay(previousMs: number): number {
  return previousMs === 0 ? FIRST_DELAY_MS : Math.min(MAX_DELAY_MS, Math.round(previousMs * GROWTH));
}

/**
 * Whether an answer shows the API held the request (long-poll): it changed, or it took a good part of the
 * wait asked for. Either way the next request can go at once.
 */
export function heldOrChanged(previous: StatusView | undefined, next: StatusView, elapsedMs: number): boolean {
  const changed = !previous || previous.status !== next.status || previous.stage !== next.stage;
  return changed || elapsedMs >= (WAIT_SECONDS * 1000) / 2;
}

/** Resolves with the final status, or undefined when stopped (aborted, or the task is gone). */
export async function watchTask(
  taskId: string,
  callbacks: WatchCallbacks,
  signal: AbortSignal,
  deps: WatchDeps,
): Promise<StatusView | undefined> {
  let last: StatusView | undefined;
  let delay = 0;
  let waitSeconds: number | undefined = WAIT_SECONDS;
  while (!signal.aborted) {
    const started = deps.now();
    const outcome = await deps.fetchStatus(taskId, waitSeconds, signal);
    if (signal.aborted || (!outcome.ok && outcome.kind === 'aborted')) return undefined;
    if (!outcome.ok) {
      // An API that refuses the wait parameter is asked without it from then on.
      if (outcome.kind === 'http' && outcome.status === 400 && waitSeconds !== undefined) {
        waitSeconds = undefined;
        continue;
      }
      const transient = outcome.kind === 'network' || (outcome.kind === 'http' && outcome.status >= 500);
      callbacks.onTrouble?.(outcome, !transient);
      if (!transient) return undefined;
      delay = nextDelay(delay);
      await deps.sleep(delay, signal);
      continue;
    }
    const status = outcome.body;
    const held = heldOrChanged(last, status, deps.now() - started);
    last = status;
    callbacks.onStatus(status);
    if (status.status !== 'in_progress') return status;
    delay = held && waitSeconds !== undefined ? 0 : nextDelay(delay);
    if (delay > 0) await deps.sleep(delay, signal);
  }
  return undefined;
}

/** A sleep that ends early when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
