/** One task: its status, live until final, then the same result view as after Run or Process. */
import { Link, PageHeading } from './common.js';
import { ResultView } from './ResultView.js';
import { PATHS } from './router.js';
import { StatusBadge } from './TasksPage.js';
import { useTask } from './use-task.js';

export function TaskPage(props: { taskId: string }) {
  const task = useTask(props.taskId, { focusOnResult: false });
  const notFound = task.trouble !== undefined && task.status === undefined;
  return (
    <div class="page task-page">
      <p class="crumbs">
        <Link href={PATHS.tasks}>← All tasks</Link>
      </p>
      <PageHeading title={`Task ${props.taskId.slice(0, 8)}`}>
        Task <span class="mono">{props.taskId.slice(0, 8)}</span>
      </PageHeading>
      {task.status ? (
        <p class="task-meta">
          {task.status.type} task · <StatusBadge task={task.status} /> · created{' '}
          {new Date(task.status.created_at).toLocaleString()}
        </p>
      ) : null}
      {notFound ? (
        <p class="notice notice-error" role="alert">
          {task.trouble}
        </p>
      ) : (
        <ResultView taskId={props.taskId} {...task} />
      )}
    </div>
  );
}
