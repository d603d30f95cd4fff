/**
 * A small history-API router. The app's paths never collide with the API's (`/my-tasks`, not `/tasks`),
 * so a reload of any page gets index.html from the API's fallback.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'code' }
  | { page: 'image' }
  | { page: 'tasks' }
  | { page: 'task'; taskId: string }
  | { page: 'not-found' };

export const PATHS = { code: '/code', image: '/image', tasks: '/my-tasks' } as const;

export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === PATHS.code) return { page: 'code' };
  if (pathname === PATHS.image) return { page: 'image' };
  if (pathname === PATHS.tasks) return { page: 'tasks' };
  const task = /^\/my-tasks\/([^/]+)$/.exec(pathname);
  if (task?.[1]) return { page: 'task', taskId: decodeURIComponent(task[1]) };
  return { page: 'not-found' };
}

const listeners = new Set<() => void>();
/** Whether the app has navigated since it loaded (then a new page takes focus). */
export let navigated = false;

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  navigated = true;
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    const onPop = () => {
      navigated = true;
      update();
    };
    listeners.add(update);
    addEventListener('popstate', onPop);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', onPop);
    };
  }, []);
  return parseRoute(path);
}

/** For an <a>'s onClick: an ordinary left click stays in the app; a modified click opens as the browser does. */
export function followLink(event: MouseEvent, path: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(path);
}
