/**
 * Every error code the API answers with, and its HTTP status: one catalogue (as fastify's lib/errors.js),
 * so a code always means the same status and the OpenAPI examples, the routes and the error handler agree.
 */
export const API_ERRORS = {
  /** A field of the request is wrong; `field` names it. */
  invalid_field: 400,
  /** The body is empty or its length header is wrong. */
  invalid_body: 400,
  invalid_json: 400,
  /** A multipart/form-data body that cannot be parsed (no boundary, cut short). */
  invalid_multipart: 400,
  /** Another client mistake Fastify reported. */
  bad_request: 400,
  unauthorized: 401,
  /** Login with a wrong username or password. */
  invalid_credentials: 401,
  forbidden: 403,
  /** A cookie-authenticated state-changing request from another origin. */
  cross_site_request: 403,
  not_found: 404,
  /** The request body did not arrive within the request timeout. */
  request_timeout: 408,
  username_taken: 409,
  conflict: 409,
  /** DELETE /task/{id} of a task already ready, or failed for another reason than a cancel. */
  task_finished: 409,
  /** A body, a field, or an image task's work (pixels × kernel sizes) over its cap; `field` names it. */
  too_large: 413,
  unsupported_media_type: 415,
  /** Too many login or registration attempts. */
  too_many_requests: 429,
  /** The user has the most tasks in flight (queued plus running) the API allows. */
  too_many_tasks: 429,
  /** The user (or the server) holds the most long-polls (`?wait=`) allowed. */
  too_many_waiters: 429,
  internal_error: 500,
  /** The queue did not take the task (broker down or not confirming); nothing was queued. */
  queue_unavailable: 503,
  /** The queue is at its length bound (x-max-length) and refused the task; nothing was queued. */
  queue_full: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERRORS;

export function statusOf(code: ApiErrorCode): number {
  return API_ERRORS[code];
}
