/**
 * Follows one task to its end (logic/live-status.ts: long-poll where the API has it, else a backoff poll),
 * then reads its result. The result region takes focus when the result arrives.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeFailure } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { ResultView, StatusView } from '../api/types.js';
import { abortableSleep, watchTask } from '../logic/live-status.js';

export interface TaskState {
  status: StatusView | undefined;
  result: ResultView | undefined;
  trouble: string | undefined;
  regionRef: { current: HTMLElement | null };
}

const watchDeps = {
  fetchStatus: (id: string, wait: number | undefined, signal: AbortSignal) => api.status(id, wait, signal),
  sleep: abortableSleep,
  now: () => performance.now(),
};

export function useTask(taskId: string | undefined, options: { focusOnResult: boolean }): TaskState {
  const [status, setStatus] = useState<StatusView | undefined>();
  const [result, setResult] = useState<ResultView | undefined>();
  const [trouble, setTrouble] = useState<string | undefined>();
  const regionRef = useRef<HTMLElement | null>(null);

  useEffect(() => {
    setStatus(undefined);
    setResult(undefined);
    setTrouble(undefined);
    if (!taskId) return;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      const final = await watchTask(
        taskId,
        {
          onStatus: (next) => {
            setTrouble(undefined);
            setStatus(next);
          },
          onTrouble: (failure, stopped) =>
            setTrouble(
              stopped
                ? describeFailure(failure)
                : `${describeFailure(failure)} Still watching the task; it goes on on the server.`,
            ),
        },
        signal,
        watchDeps,
      );
      if (!final || signal.aborted) return;
      // The result is final once read; a network failure here is retried with the same backoff.
      for (let delay = 250; !signal.aborted; delay = Math.min(5000, delay * 2)) {
        const outcome = await api.result(taskId);
        if (signal.aborted) return;
        if (outcome.ok) {
          setTrouble(undefined);
          setResult(outcome.body);
          if (options.focusOnResult) requestAnimationFrame(() => regionRef.current?.focus());
          return;
        }
        setTrouble(describeFailure(outcome));
        if (outcome.kind !== 'network' && !(outcome.kind === 'http' && outcome.status >= 500)) return;
        await abortableSleep(delay, signal);
      }
    })();
    return () => controller.abort();
  }, [taskId]);

  return { status, result, trouble, regionRef };
}
