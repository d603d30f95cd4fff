/**
 * Content negotiation for GET /result of an image task: raw PNG for a browser or an <img> tag, JSON for
 * API clients. `*\/*` alone (curl, requests) keeps JSON, so scripted clients never get bytes unasked.
 */
export type ResultFormat = 'json' | 'png';

interface Preference {
  type: string;
  q: number;
}

function parseAccept(header: string): Preference[] {
  return header
    .split(',')
    .map((part) => {
      const [type = '', ...params] = part.trim().toLowerCase().split(';');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { type: type.trim(), q: Number.isFinite(q) ? q : 0 };
    })
    .filter((p) => p.type.length > 0);
}

function weight(prefs: Preference[], types: string[]): number {
  return Math.max(0, ...prefs.filter((p) => types.includes(p.type)).map((p) => p.q));
}

export function chooseResultFormat(format: string | undefined, accept: string | undefined): ResultFormat {
  if (format === 'png') return 'png';
  if (format === 'json') return 'json';
  const prefs = parseAccept(accept ?? '');
  const json = weight(prefs, ['application/json']);
  // A browser navigating asks for text/html first; an <img> asks for image/*.
  const picture = weight(prefs, ['image/png', 'image/*', 'text/html']);
  return picture > json ? 'png' : 'json';
}
