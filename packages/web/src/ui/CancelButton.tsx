/**
 * Cancels a task in progress (DELETE /task/{id}). On success nothing more is shown here: the task's live watch
 * sees it turn final and the result view says `failed`, `cancelled`. A refusal (the task finished first: 409)
 * is said in place.
 */
import { useState } from 'preact/hooks';
import { describeFailure } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { Notice } from './common.js';

export function CancelButton(props: { taskId: string }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>();
  const cancel = async () => {
    setBusy(true);
    setProblem(undefined);
    const outcome = await api.cancel(props.taskId);
    if (outcome.ok) return;
    setBusy(false);
    setProblem(describeFailure(outcome));
  };
  return (
    <>
      <button type="button" onClick={cancel} disabled={busy} aria-busy={busy}>
        Cancel task
      </button>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
    </>
  );
}
