/** The browser session cookie: the same token as the bearer token, HttpOnly and SameSite=Lax. */
export const SESSION_COOKIE = 'conveyor_session';

export function sessionCookieOptions(expiresAt: Date, secure: boolean) {
  return { httpOnly: true, sameSite: 'lax' as const, secure, path: '/', expires: expiresAt };
}
