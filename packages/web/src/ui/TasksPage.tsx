/**
 * The user's tasks, newest first, paged by the API's cursor. Rows still in progress update live: up to
 * three are followed at once with the same watch as a single task (long-poll, else backoff), leaving the
 * browser's other connections to the page.
 */
import { useEffect, useState } from 'preact/hooks';
import { describeFailure } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { StatusView } from '../api/types.js';
import { abortableSleep, watchTask } from '../logic/live-status.js';
import { formatAge } from '../logic/result-view.js';
import { Link, Notice, PageHeading } from './common.js';
import { PATHS } from './router.js';

const PAGE_SIZE = 20;
const WATCHED_AT_ONCE = 3;

export function StatusBadge(props: { task: StatusView }) {
  const { status, stage } = props.task;
  const tone = status === 'ready' ? 'good' : status === 'failed' ? 'bad' : 'progress';
  return (
    <span class={`badge badge-${tone}`} title={status === 'in_progress' ? stage : undefined}>
      {status}
      {status === 'in_progress' ? <span class="stage"> · {stage}</span> : null}
    </span>
  );
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function TasksPage() {
  // cursors[i] is the cursor of page i (undefined for the first).
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const [tasks, setTasks] = useState<StatusView[] | undefined>();
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | undefined>();
  const [reloads, setReloads] = useState(0);
  const now = useNow(15_000);

  useEffect(() => {
    const controller = new AbortController();
    setProblem(undefined);
    void api.tasks(cursors[pageIndex], PAGE_SIZE).then((outcome) => {
      if (controller.signal.aborted) return;
      if (!outcome.ok) {
        setProblem(describeFailure(outcome));
        return;
      }
      setTasks(outcome.body.tasks);
      setNextCursor(outcome.body.next_cursor);
    });
    return () => controller.abort();
  }, [pageIndex, reloads]);

  // Follow the rows in progress (a few at a time); each answer updates its row in place.
  const inProgress = (tasks ?? []).filter((t) => t.status === 'in_progress').slice(0, WATCHED_AT_ONCE);
  const watchKey = inProgress.map((t) => t.task_id).join(',');
  useEffect(() => {
    if (!watchKey) return;
    const controller = new AbortController();
    const deps = {
      fetchStatus: (id: string, wait: number | undefined, signal: AbortSignal) => api.status(id, wait, signal),
      sleep: abortableSleep,
      now: () => performance.now(),
    };
    for (const id of watchKey.split(',')) {
      void watchTask(
        id,
        {
          onStatus: (status) => {
            setProblem(undefined);
            setTasks((rows) => rows?.map((row) => (row.task_id === status.task_id ? status : row)));
          },
          onTrouble: (failure) => setProblem(describeFailure(failure)),
        },
        controller.signal,
        deps,
      );
    }
    return () => controller.abort();
  }, [watchKey]);

  function goTo(index: number) {
    if (index > pageIndex && nextCursor) setCursors((list) => [...list.slice(0, index), nextCursor]);
    setPageIndex(index);
  }

  return (
    <div class="page tasks-page">
      <div class="page-head">
        <PageHeading title="Tasks">Tasks</PageHeading>
        <button type="button" onClick={() => setReloads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <section class="card" aria-labelledby="tasks-caption">
        {tasks === undefined ? (
          <p class="empty">Loading…</p>
        ) : tasks.length === 0 && pageIndex === 0 ? (
          <p class="empty">
            No tasks yet: start a <Link href={PATHS.code}>code task</Link> or an{' '}
            <Link href={PATHS.image}>image task</Link>.
          </p>
        ) : (
          <table class="tasks">
            <caption id="tasks-caption">Your tasks, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Task</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Age</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((task) => (
                <tr key={task.task_id} data-task-id={task.task_id}>
                  <td>
                    <Link href={`${PATHS.tasks}/${task.task_id}`} class="mono">
                      {task.task_id.slice(0, 8)}
                    </Link>
                  </td>
                  <td>{task.type}</td>
                  <td>
                    <StatusBadge task={task} />
                  </td>
                  <td>
                    <time dateTime={task.created_at} title={new Date(task.created_at).toLocaleString()}>
                      {formatAge(task.created_at, now)}
                    </time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav class="pager" aria-label="Pages of tasks">
          <button type="button" disabled={pageIndex === 0} onClick={() => goTo(pageIndex - 1)}>
            Newer
          </button>
          <span>Page {pageIndex + 1}</span>
          <button type="button" disabled={!nextCursor} onClick={() => goTo(pageIndex + 1)}>
            Older
          </button>
        </nav>
      </section>
    </div>
  );
}
