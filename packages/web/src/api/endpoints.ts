/** The API's routes the page uses, each a typed call. */

import type { LanguagesResponse } from '@conveyor/shared/contract';
import { request } from './client.js';
import type { ClientLimits, ResultView, StatusView, TaskPage } from './types.js';

export interface Credentials {
  username: string;
  password: string;
}

export const api = {
  limits: () => request<ClientLimits>('GET', '/limits'),
  /** The translators' versions in the sandbox image (null until a code worker has answered). */
  languages: () => request<LanguagesResponse>('GET', '/languages'),
  register: (credentials: Credentials) =>
    request<{ id: string; username: string }>('POST', '/register', { json: credentials }),
  login: (credentials: Credentials) => request<{ expires_at: string }>('POST', '/login', { json: credentials }),
  logout: () => request<void>('POST', '/logout'),
  /** Whether the session cookie still works: the cheapest call behind it. */
  probeSession: () => request<TaskPage>('GET', '/tasks?limit=1'),
  submitCode: (task: { translator: string; code: string; stdin: string; limits?: Record<string, number> }) =>
    request<{ task_id: string }>('POST', '/task', { json: task }),
  submitImage: (image: File, filters: unknown[]) => {
    const form = new FormData();
    form.append('filters', JSON.stringify(filters));
    form.append('image', image, image.name || 'image.png');
    return request<{ task_id: string }>('POST', '/task', { form });
  },
  status: (taskId: string, waitSeconds: number | undefined, signal?: AbortSignal) =>
    request<StatusView>(
      'GET',
      `/status/${encodeURIComponent(taskId)}${waitSeconds ? `?wait=${waitSeconds}` : ''}`,
      signal ? { signal } : {},
    ),
  /** Ends the task as failed/cancelled; 409 when it finished first. */
  cancel: (taskId: string) => request<StatusView>('DELETE', `/task/${encodeURIComponent(taskId)}`),
  result: (taskId: string) => request<ResultView>('GET', `/result/${encodeURIComponent(taskId)}?format=json`),
  tasks: (cursor: string | undefined, limit: number) =>
    request<TaskPage>('GET', `/tasks?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
};

export function imageUrl(taskId: string): string {
  return `/result/${encodeURIComponent(taskId)}?format=png`;
}
