/** What the API answers, as the page reads it; the result and limit shapes come from the API's own types. */
import type { ClientLimits } from '@conveyor/api';
import type { CodeResult, TaskError, TaskStage, TaskStatus, TaskType } from '@conveyor/shared/contract';

export type { ClientLimits, CodeResult, TaskError, TaskStage, TaskStatus, TaskType };

export interface StatusView {
  task_id: string;
  type: TaskType;
  status: TaskStatus;
  stage: TaskStage;
  created_at: string;
  updated_at: string;
}

export interface ResultView {
  task_id: string;
  status: TaskStatus;
  /** A code result; for an image task the base64 PNG (the page fetches it as image/png instead). */
  result: CodeResult | string | null;
  error?: TaskError;
}

export interface TaskPage {
  tasks: StatusView[];
  next_cursor: string | null;
}
