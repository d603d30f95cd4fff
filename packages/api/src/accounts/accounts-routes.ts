/** POST /register, POST /login (public) and POST /logout (behind authentication, see app.ts). */

import { isFieldError } from '@conveyor/shared';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie.js';
import { errorResponse, sendError, sendFieldError } from '../http/api-error.js';
import { type AccountService, PASSWORD_BYTES, USERNAME_PATTERN } from './account-service.js';

export interface AccountsRoutesOptions {
  accounts: AccountService;
  cookieSecure: boolean;
}

const Credentials = Type.Object({
  username: Type.String({ pattern: USERNAME_PATTERN, examples: ['alice'] }),
  password: Type.String({
    minLength: PASSWORD_BYTES.min,
    description: `${PASSWORD_BYTES.min} to ${PASSWORD_BYTES.max} bytes in UTF-8`,
    examples: ['correct horse battery'],
  }),
});

const throttled = errorResponse('too many attempts; see Retry-After', 'too_many_requests', 'try again in 42 s');

function sendThrottled(reply: FastifyReply, retryAfter: number) {
  reply.header('Retry-After', String(retryAfter));
  return sendError(reply, 'too_many_requests', `too many attempts: try again in ${retryAfter} s`);
}

export const accountsRoutes: FastifyPluginAsyncTypebox<AccountsRoutesOptions> = async (
  app,
  { accounts, cookieSecure },
) => {
  app.post(
    '/register',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account',
        description:
          'Registering the same username again with the same password answers 201 with the same account; with another password, 409.',
        body: Credentials,
        response: {
          201: Type.Object(
            { id: Type.String({ format: 'uuid' }), username: Type.String() },
            { examples: [{ id: '0b9c1d7e-3f5a-4c8e-9a61-2d4b8f0e7c13', username: 'alice' }] },
          ),
          ...errorResponse(
            'bad username or password',
            'invalid_field',
            'password must be 8 to 72 bytes (UTF-8)',
            'password',
          ),
          ...errorResponse('the name is taken (with another password)', 'username_taken', 'username is taken'),
          ...throttled,
        },
      },
    },
    async (request, reply) => {
      const outcome = await accounts.register(request.body.username, request.body.password, request.ip);
      if (isFieldError(outcome)) return sendFieldError(reply, outcome);
      if (outcome.kind === 'throttled') return sendThrottled(reply, outcome.retryAfter);
      if (outcome.kind === 'conflict') return sendError(reply, 'username_taken', 'username is taken');
      return reply.code(201).send({ id: outcome.user.id, username: outcome.user.username });
    },
  );

  app.post(
    '/login',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Log in: get a bearer token (also set as an HttpOnly session cookie)',
        body: Credentials,
        response: {
          200: Type.Object(
            { token: Type.String(), expires_at: Type.String({ format: 'date-time' }) },
            { examples: [{ token: 'q3Jx…base64url…', expires_at: '2026-11-30T20:00:00.000Z' }] },
          ),
          ...errorResponse('malformed body', 'invalid_field', 'body must have required property username', 'username'),
          ...errorResponse('wrong username or password', 'invalid_credentials', 'wrong username or password'),
          ...throttled,
        },
      },
    },
    async (request, reply) => {
      const outcome = await accounts.login(request.body.username, request.body.password, request.ip);
      if (outcome.kind === 'throttled') return sendThrottled(reply, outcome.retryAfter);
      if (outcome.kind === 'invalid') return sendError(reply, 'invalid_credentials', 'wrong username or password');
      // Secure whenever the request came over HTTPS (as the proxy says, with TRUST_PROXY), or COOKIE_SECURE.
      const secure = cookieSecure || request.protocol === 'https';
      reply.setCookie(SESSION_COOKIE, outcome.token, sessionCookieOptions(outcome.expiresAt, secure));
      return { token: outcome.token, expires_at: outcome.expiresAt.toISOString() };
    },
  );
};

/** POST /logout: ends the session at once (registered behind authentication). */
export const logoutRoute: FastifyPluginAsyncTypebox<{ accounts: AccountService }> = async (app, { accounts }) => {
  app.post(
    '/logout',
    {
      schema: {
        tags: ['accounts'],
        summary: 'End the session: the token stops working at once',
        security: [{ bearer: [] }, { cookie: [] }],
        response: {
          204: Type.Null({ description: 'logged out' }),
          ...errorResponse('no valid token', 'unauthorized', 'a bearer token is required'),
        },
      },
    },
    async (request, reply) => {
      await accounts.logout(request.sessionToken);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
};
