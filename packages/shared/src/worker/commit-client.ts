/**
 * POST /commit, as a worker reports on a task: `running` when work starts, then `ready` or `failed`.
 * Keep-alive HTTP (Node's fetch pools connections), a timeout per request, and retries with exponential
 * back-off and full jitter for what may pass (network errors, timeouts, 5xx, 429) for a period
 * (`retryForMs`, the worker's COMMIT_HOLD): a finished result is held through an API outage instead of
 * being thrown away and the task re-run. Answers that will not change with a retry come back as a
 * CommitAnswer for the worker to act on.
 */
import type { Logger } from 'pino';
import type { CommitRequest, TaskStatus } from '../contract/task.js';
import { type BackoffOptions, backoffDelayMs, waitFor } from './backoff.js';
import { type CommitAnswer, CommitUnavailableError, type TaskCommitter } from './task-committer.js';

export interface CommitClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8000; /commit is appended. */
  apiUrl: string;
  /** Per request. */
  timeoutMs?: number;
  /** How long to keep retrying a commit the API does not take (it is down, unreachable, 5xx). */
  retryForMs?: number;
  /** Attempts in all, the first included; unlimited by default (the period bounds them). */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  log?: Logger;
}

/** The default hold: long enough for an API restart or a network blip, well under RabbitMQ's consumer_timeout. */
export const DEFAULT_COMMIT_RETRY_MS = 15 * 60_000;

const TRANSIENT_STATUS = (status: number) => status >= 500 || status === 429 || status === 408;

export class CommitClient implements TaskCommitter {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly retryForMs: number;
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: CommitClientOptions) {
    let base: URL;
    try {
      base = new URL(options.apiUrl);
    } catch {
      throw new Error(`the API URL ${JSON.stringify(options.apiUrl)} is not a valid URL`);
    }
    this.url = new URL('commit', base.href.endsWith('/') ? base : `${base.href}/`).href;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, options.attempts ?? Number.POSITIVE_INFINITY);
    this.retryForMs = options.retryForMs ?? DEFAULT_COMMIT_RETRY_MS;
    this.backoff = { baseDelayMs: options.baseDelayMs ?? 250, maxDelayMs: options.maxDelayMs ?? 10_000 };
  }

  async commit(commitToken: string, request: CommitRequest, signal?: AbortSignal): Promise<CommitAnswer> {
    const body = JSON.stringify(request);
    let lastProblem = '';
    let retryAfterMs = 0;
    const deadline = Date.now() + this.retryForMs;
    let attempt = 0;
    for (; attempt < this.attempts; attempt++) {
      if (attempt > 0) {
        const left = deadline - Date.now();
        if (left <= 0) break;
        const delay = Math.min(Math.max(backoffDelayMs(attempt - 1, this.backoff), retryAfterMs), left);
        // One line per retry at first, then one in ten: a long outage must not flood the log.
        if (attempt <= 5 || attempt % 10 === 0) {
          this.options.log?.warn(
            { task_id: request.task_id, status: request.status, attempt, delay_ms: delay, problem: lastProblem },
            'commit failed; holding it and retrying',
          );
        }
        try {
          await waitFor(delay, signal);
        } catch (error) {
          throw new CommitUnavailableError(`commit abandoned: ${lastProblem}`, attempt, { cause: error });
        }
      }
      const outcome = await this.attempt(commitToken, body, signal);
      if ('answer' in outcome) return outcome.answer;
      lastProblem = outcome.transient;
      retryAfterMs = outcome.retryAfterMs ?? 0;
      if (signal?.aborted) throw new CommitUnavailableError(`commit abandoned: ${lastProblem}`, attempt + 1);
    }
    throw new CommitUnavailableError(
      attempt >= this.attempts
        ? `the API did not take the ${request.status} commit after ${attempt} attempts: ${lastProblem}`
        : `the API did not take the ${request.status} commit within ${this.retryForMs} ms (${attempt} attempts): ${lastProblem}`,
      attempt,
    );
  }

  private async attempt(
    commitToken: string,
    body: string,
    signal: AbortSignal | undefined,
  ): Promise<{ answer: CommitAnswer } | { transient: string; retryAfterMs?: number }> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${commitToken}` },
        body,
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) return { transient: `no answer within ${this.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { transient: `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}` };
    }
    const status = response.status;
    if (TRANSIENT_STATUS(status)) {
      // A Retry-After (seconds) sent with a 429/503 is honoured for the next wait, up to maxDelayMs.
      const retryAfter = Number(response.headers.get('retry-after'));
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0;
      return {
        transient: `HTTP ${status} ${describe(text)}`,
        retryAfterMs: Math.min(retryAfterMs, this.backoff.maxDelayMs),
      };
    }
    if (status >= 200 && status < 300) {
      return { answer: { kind: 'accepted', taskStatus: statusOf(text) } };
    }
    const message = `HTTP ${status} ${describe(text)}`;
    if (status === 409) return { answer: { kind: 'conflict', message } };
    if (status === 404) return { answer: { kind: 'not_found', message } };
    if (status === 401 || status === 403) return { answer: { kind: 'forbidden', message } };
    return { answer: { kind: 'refused', status, message } };
  }
}

function statusOf(text: string): TaskStatus | undefined {
  try {
    const status = (JSON.parse(text) as { status?: unknown }).status;
    return status === 'in_progress' || status === 'ready' || status === 'failed' ? status : undefined;
  } catch {
    return undefined;
  }
}

/** The API's error message when it sent JSON, else the start of the body. */
function describe(text: string): string {
  try {
    // The API's errors are {"error": {"code", "message"}}.
    const parsed = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } | string };
    const message = parsed.message ?? (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message);
    if (typeof message === 'string') return message;
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}
