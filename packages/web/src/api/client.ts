/**
 * The page's one way to the API: same-origin fetch on the session cookie, every answer turned into a typed
 * outcome (the body, the API's JSON error with its field and Retry-After, or the network gone), never a throw.
 */

export type ApiFailure =
  | {
      ok: false;
      kind: 'http';
      status: number;
      code: string;
      message: string;
      field?: string;
      /** Seconds, from Retry-After on a 429 or 503. */
      retryAfter?: number;
    }
  | { ok: false; kind: 'network'; message: string }
  | { ok: false; kind: 'aborted' };

export type ApiOutcome<T> = { ok: true; status: number; body: T } | ApiFailure;

export interface RequestOptions {
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; field?: unknown };
}

function retryAfterOf(response: Response): number | undefined {
  const value = Number(response.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

async function failureOf(response: Response): Promise<ApiFailure> {
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  const error = body.error ?? {};
  const retryAfter = retryAfterOf(response);
  return {
    ok: false,
    kind: 'http',
    status: response.status,
    code: typeof error.code === 'string' ? error.code : `http_${response.status}`,
    message: typeof error.message === 'string' ? error.message : `the server answered ${response.status}`,
    ...(typeof error.field === 'string' ? { field: error.field } : {}),
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  };
}

/** Called on every 401 from a route behind the session: the app then shows the sign-in page. */
let onSessionLost: () => void = () => {};
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiOutcome<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) {
    body = options.form;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body ?? null,
      credentials: 'same-origin',
      signal: options.signal ?? null,
    });
  } catch (error) {
    if (options.signal?.aborted) return { ok: false, kind: 'aborted' };
    return { ok: false, kind: 'network', message: error instanceof Error ? error.message : String(error) };
  }
  if (response.ok) {
    const parsed = response.status === 204 ? undefined : await response.json().catch(() => undefined);
    return { ok: true, status: response.status, body: parsed as T };
  }
  const failure = await failureOf(response);
  if (failure.kind === 'http' && failure.status === 401 && path !== '/login') onSessionLost();
  return failure;
}

/** A failure in words for a person: what happened and, where it helps, what to do. */
export function describeFailure(failure: ApiFailure): string {
  if (failure.kind === 'network') return 'The server cannot be reached: check the connection and try again.';
  if (failure.kind === 'aborted') return 'Cancelled.';
  const wait = failure.retryAfter ? ` Try again in ${failure.retryAfter} s.` : '';
  switch (failure.code) {
    case 'queue_unavailable':
      return `The task queue is unavailable right now; nothing was queued.${wait}`;
    case 'queue_full':
      return `The task queue is full; nothing was queued.${wait}`;
    case 'too_many_tasks':
      return `${capitalise(failure.message)}.${wait}`;
    case 'too_many_requests':
      return `Too many attempts.${wait || ' Wait a minute and try again.'}`;
    default:
      return capitalise(failure.message);
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
