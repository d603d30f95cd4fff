/**
 * The app's frame: the caps from GET /limits, the session (the API's cookie, probed at start), the header
 * with its links, and the page for the current path. Signed out, every path shows the sign-in form.
 */
import { useEffect, useState } from 'preact/hooks';
import { describeFailure, whenSessionLost } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { ClientLimits } from '../api/types.js';
import { loadUsername, saveUsername } from '../logic/drafts.js';
import { AuthPage } from './AuthPage.js';
import { CodePage } from './CodePage.js';
import { Link, PageHeading } from './common.js';
import { ImagePage } from './ImagePage.js';
import { PATHS, type Route, useRoute } from './router.js';
import { TaskPage } from './TaskPage.js';
import { TasksPage } from './TasksPage.js';

type Session = { state: 'checking' } | { state: 'out'; notice?: string } | { state: 'in'; username: string };

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    addEventListener('online', up);
    addEventListener('offline', down);
    return () => {
      removeEventListener('online', up);
      removeEventListener('offline', down);
    };
  }, []);
  return online;
}

function Page(props: { route: Route; limits: ClientLimits }) {
  const { route, limits } = props;
  switch (route.page) {
    case 'code':
      return <CodePage limits={limits} />;
    case 'image':
      return <ImagePage limits={limits} />;
    case 'tasks':
      return <TasksPage />;
    case 'task':
      return <TaskPage taskId={route.taskId} />;
    default:
      return (
        <div class="page">
          <PageHeading title="Not found">Page not found</PageHeading>
          <p>
            There is nothing here. Start a <Link href={PATHS.code}>code task</Link>.
          </p>
        </div>
      );
  }
}

export function App() {
  const route = useRoute();
  const online = useOnline();
  const [limits, setLimits] = useState<ClientLimits | undefined>();
  const [startProblem, setStartProblem] = useState<string | undefined>();
  const [session, setSession] = useState<Session>({ state: 'checking' });

  useEffect(() => {
    whenSessionLost(() => {
      saveUsername(localStorage, undefined);
      setSession({ state: 'out', notice: 'Your session has ended: sign in again.' });
    });
    void (async () => {
      const [caps, probe] = await Promise.all([api.limits(), api.probeSession()]);
      if (!caps.ok) {
        setStartProblem(describeFailure(caps));
        return;
      }
      setLimits(caps.body);
      if (probe.ok) setSession({ state: 'in', username: loadUsername(localStorage) ?? 'signed in' });
      else if (probe.kind === 'http' && probe.status === 401) setSession({ state: 'out' });
      else setStartProblem(describeFailure(probe));
    })();
  }, []);

  const [signOutProblem, setSignOutProblem] = useState<string | undefined>();

  async function signOut() {
    setSignOutProblem(undefined);
    const outcome = await api.logout();
    // A session the API no longer knows is signed out already; any other failure leaves it working.
    if (!outcome.ok && !(outcome.kind === 'http' && outcome.status === 401)) {
      setSignOutProblem(`Not signed out: ${describeFailure(outcome)}`);
      return;
    }
    saveUsername(localStorage, undefined);
    setSession({ state: 'out', notice: 'You are signed out.' });
  }

  const current = route.page === 'task' ? 'tasks' : route.page;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <Link href="/" class="brand">
            <span class="logo" aria-hidden="true" />
            Conveyor
          </Link>
          {session.state === 'in' ? (
            <>
              <nav aria-label="Main">
                <Link href={PATHS.code} current={current === 'code'}>
                  New code task
                </Link>
                <Link href={PATHS.image} current={current === 'image'}>
                  New image task
                </Link>
                <Link href={PATHS.tasks} current={current === 'tasks'}>
                  Tasks
                </Link>
              </nav>
              <div class="user">
                <span class="username" title="Signed in">
                  {session.username}
                </span>
                <button type="button" class="quiet" onClick={() => void signOut()}>
                  Sign out
                </button>
              </div>
            </>
          ) : null}
        </div>
      </header>
      {!online ? (
        <p class="offline" role="alert">
          You are offline: tasks already sent go on on the server; this page catches up when the connection is back.
        </p>
      ) : null}
      <main id="main">
        {signOutProblem && session.state === 'in' ? (
          <p class="notice notice-error" role="alert">
            {signOutProblem}
          </p>
        ) : null}
        {startProblem ? (
          <div class="page">
            <PageHeading title="Unavailable">Conveyor cannot be reached</PageHeading>
            <p class="notice notice-error" role="alert">
              {startProblem}
            </p>
            <button type="button" onClick={() => location.reload()}>
              Try again
            </button>
          </div>
        ) : !limits || session.state === 'checking' ? (
          <p class="loading">Loading…</p>
        ) : session.state === 'out' ? (
          <AuthPage
            notice={session.notice}
            onSignedIn={(username) => {
              saveUsername(localStorage, username);
              setSession({ state: 'in', username });
            }}
          />
        ) : (
          <Page route={route} limits={limits} />
        )}
      </main>
    </>
  );
}
