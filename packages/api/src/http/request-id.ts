/**
 * The id a request is logged under: the client's X-Request-Id when it is short and plain (so a proxy's id
 * follows the request through), otherwise a fresh UUID, so a client cannot put 8 KB or control characters
 * into every log line of its request.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
