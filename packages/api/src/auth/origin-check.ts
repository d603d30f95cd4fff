/**
 * Cross-site request forgery guard for requests authenticated by the cookie alone: SameSite=Lax already
 * keeps the cookie off cross-site POSTs in current browsers; this refuses any state-changing request whose
 * Origin (or, failing that, Referer) is not the API's own origin or a configured trusted one.
 */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsOriginCheck(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export function isSameOrigin(
  headers: { origin?: string | undefined; referer?: string | undefined },
  ownOrigin: string,
  trustedOrigins: readonly string[],
): boolean {
  const origin = headers.origin && headers.origin !== 'null' ? headers.origin : originOf(headers.referer);
  if (!origin) return false;
  return origin === ownOrigin || trustedOrigins.includes(origin);
}
