/**
 * The request log. Fastify's default writes two lines a request at info ("incoming request" with the URL,
 * host and address, then "request completed"); at thousands of requests a second that is megabytes a second
 * and a measurable share of the API's time. Here: one line at info when the request completes, with the
 * route (the pattern, so no ids or query strings) instead of the URL; the full request and response at
 * debug. The reqId is in every line already (the request's child logger carries it).
 */
import type { Logger } from '@conveyor/shared';
import { type FastifyBaseLogger, type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/** The API's logger is pino (app.ts passes it as loggerInstance), whose children answer isLevelEnabled. */
const atDebug = (log: FastifyBaseLogger) => (log as Logger).isLevelEnabled('debug');

function summary(request: FastifyRequest, reply: FastifyReply) {
  return {
    method: request.method,
    route: request.routeOptions.url ?? 'unmatched',
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 10) / 10,
  };
}

export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (atDebug(request.log)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      reply.log.error({ ...summary(request, reply), req: request, res: reply, err: error }, 'request errored');
    } else if (atDebug(reply.log)) {
      reply.log.debug({ ...summary(request, reply), req: request, res: reply }, 'request completed');
    } else {
      reply.log.info(summary(request, reply), 'request completed');
    }
  }

  /** The completion line says 404 and `unmatched` already. */
  override routeNotFound(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'no such route');
  }
}
