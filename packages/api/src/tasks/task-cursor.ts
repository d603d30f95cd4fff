/**
 * The GET /tasks cursor: the (created_at, id) of the last task of the previous page. Pages are keyset
 * ranges below that key, so tasks removed or added meanwhile never make a page skip or repeat another
 * task (an array index would shift under the sweeper). On the wire it is `<epoch ms>_<task id>`.
 */
import { isTaskId } from '@conveyor/shared';

export interface TaskCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(task: TaskCursor): string {
  return `${task.createdAt.getTime()}_${task.id}`;
}

/** The cursor a client sent back, or undefined when it is not one this API made. */
export function decodeCursor(text: string): TaskCursor | undefined {
  const match = /^(\d{1,15})_(.+)$/.exec(text);
  if (!match || !isTaskId(match[2]!)) return undefined;
  return { createdAt: new Date(Number(match[1])), id: match[2]!.toLowerCase() };
}

/** Newest first: (created_at, id) descending, the order of every page. */
export function compareNewestFirst(a: TaskCursor, b: TaskCursor): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  if (byTime !== 0) return byTime;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
