/**
 * Waits for `work`, but no longer than `timeoutMs`: a broker (or anything else) that stops answering must not
 * hang a request or a scrape. Past the deadline it rejects with `onTimeout()`; the work may still settle
 * later, and nobody awaits it any more.
 */
export async function within<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
    work.catch(() => {});
  }
}
