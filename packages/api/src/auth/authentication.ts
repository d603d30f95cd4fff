/**
 * Puts every route registered beside it behind a user's session: `Authorization: Bearer <token>` or the
 * session cookie. It runs in `onRequest`, before the body is read or validated and before any lookup, so a
 * request without a valid token is a 401 whatever else is wrong with it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccountService } from '../accounts/account-service.js';
import type { User } from '../accounts/auth-storage.js';
import { sendError } from '../http/api-error.js';
import { isSameOrigin, needsOriginCheck } from './origin-check.js';
import { SESSION_COOKIE } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user; set on every route behind `authentication`. */
    account: User;
    /** The session token the request carried. */
    sessionToken: string;
  }
}

export interface AuthenticationOptions {
  accounts: AccountService;
  /** PUBLIC_URL's origin; when unset, the request's own scheme and Host count as the API's origin. */
  publicOrigin?: string | undefined;
  trustedOrigins: string[];
}

/** The bearer token of an `Authorization` header, if it has one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function unauthorized(reply: FastifyReply, message: string) {
  reply.header('WWW-Authenticate', 'Bearer realm="conveyor"');
  return sendError(reply, 'unauthorized', message);
}

export const authentication = fp<AuthenticationOptions>(
  async (app: FastifyInstance, { accounts, publicOrigin, trustedOrigins }) => {
    app.decorateRequest('account', null as unknown as User);
    app.decorateRequest('sessionToken', '');
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization;
      const fromHeader = bearerToken(header);
      if (header !== undefined && !fromHeader)
        return unauthorized(reply, 'the Authorization header must be "Bearer <token>"');
      const fromCookie = request.cookies?.[SESSION_COOKIE];
      const token = fromHeader ?? fromCookie;
      if (!token) return unauthorized(reply, 'a bearer token is required: log in at POST /login');
      const user = await accounts.authenticate(token);
      if (!user) return unauthorized(reply, 'the token is invalid or has expired: log in again');
      if (!fromHeader && needsOriginCheck(request.method)) {
        // With PUBLIC_URL set, the Host header (which a client chooses) plays no part.
        const own = publicOrigin ?? `${request.protocol}://${request.host}`;
        if (!isSameOrigin(request.headers, own, trustedOrigins)) {
          return sendError(reply, 'cross_site_request', 'a cookie-authenticated request must come from this origin');
        }
      }
      request.account = user;
      request.sessionToken = token;
    });
  },
);
