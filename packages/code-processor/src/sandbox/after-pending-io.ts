/**
 * Timers for a process that may be paused (SIGSTOP, a long GC pause, a frozen VM). When it resumes, every
 * due timer fires in the first turn of the event loop, before the I/O that became ready meanwhile (the
 * container's exit, its last output) is read. A deadline that acted then would judge a finished program by
 * the host's pause. So the callback runs one step later (setImmediate, after the poll phase), once that I/O
 * has been handled, and it can see that there is nothing left to do.
 */
export function afterPendingIo(ms: number, callback: () => void): () => void {
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    immediate = setImmediate(callback);
  }, ms);
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
