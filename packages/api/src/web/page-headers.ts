/**
 * The security headers of the web app's pages and files. The policy allows no inline script or style
 * element and no other origin: the bundle is same-origin files only. CodeMirror's styles arrive as
 * constructable stylesheets, which style-src does not govern; images are the API's own PNGs or a chosen
 * file shown through a blob: URL.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // frame-ancestors for browsers that predate CSP 2.
  'x-frame-options': 'DENY',
  // The page's own requests keep their Referer (a fallback for the Origin check); other sites get none.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};
