/** Waits for a publisher confirm, but no longer than a deadline: a broker that stops answering must not hang a request. */
export async function confirmWithin<T>(sent: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  try {
    return await Promise.race([sent, timedOut]);
  } finally {
    clearTimeout(timer);
    // A send abandoned by the timeout may still settle later; nobody awaits it any more.
    sent.catch(() => {});
  }
}
