/**
 * Sign in and sign up, one form. The API's errors appear next to the field they name (a name taken, a
 * password too short); the rest (wrong password, 429 with its wait) under the buttons.
 */
import { useState } from 'preact/hooks';
import { describeFailure } from '../api/client.js';
import { api } from '../api/endpoints.js';
import { FieldError, Notice, PageHeading } from './common.js';

type Field = 'username' | 'password';

export function AuthPage(props: { notice?: string | undefined; onSignedIn: (username: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<'in' | 'up' | undefined>();
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();

  async function submit(mode: 'in' | 'up') {
    setBusy(mode);
    setFieldErrors({});
    setFormError(undefined);
    const credentials = { username: username.trim(), password };
    try {
      if (mode === 'up') {
        const registered = await api.register(credentials);
        if (!registered.ok) return show(registered);
      }
      const loggedIn = await api.login(credentials);
      if (!loggedIn.ok) return show(loggedIn);
      props.onSignedIn(credentials.username);
    } finally {
      setBusy(undefined);
    }
  }

  function show(failure: Parameters<typeof describeFailure>[0]) {
    const message = describeFailure(failure);
    if (failure.kind === 'http') {
      const field: Field | undefined =
        failure.code === 'username_taken'
          ? 'username'
          : failure.field === 'username' || failure.field === 'password'
            ? failure.field
            : undefined;
      if (field) {
        setFieldErrors({ [field]: failure.code === 'username_taken' ? 'This name is taken.' : message });
        document.getElementById(`auth-${field}`)?.focus();
        return;
      }
    }
    setFormError(message);
  }

  const describedBy = (field: Field) => (fieldErrors[field] ? `auth-${field}-error` : undefined);
  return (
    <div class="auth">
      <div class="auth-intro">
        <p class="brand-large" aria-hidden="true">
          Conveyor
        </p>
        <p class="tagline">
          Run C, C++ and Python in a locked-down sandbox, and put PNG images through chains of filters.
        </p>
        <ul class="features">
          <li>Verdicts, output and compiler messages for gcc, clang, g++, clang++ and Python 3</li>
          <li>Blur, Sharpen, Negative and flips, chained, with the picture before and after</li>
          <li>Every task you sent, live, with its result a click away</li>
        </ul>
      </div>
      <form
        class="card auth-card"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit('in');
        }}
      >
        <PageHeading title="Sign in">Sign in or create an account</PageHeading>
        {props.notice ? <Notice tone="info">{props.notice}</Notice> : null}
        <div class="field">
          <label for="auth-username">Username</label>
          <input
            id="auth-username"
            name="username"
            autoComplete="username"
            required
            value={username}
            aria-invalid={fieldErrors.username ? true : undefined}
            aria-describedby={describedBy('username') ?? 'auth-username-hint'}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
          <FieldError id="auth-username-error" message={fieldErrors.username} />
          <p id="auth-username-hint" class="hint">
            3 to 128 letters, digits or _ . - @
          </p>
        </div>
        <div class="field">
          <label for="auth-password">Password</label>
          <input
            id="auth-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            aria-invalid={fieldErrors.password ? true : undefined}
            aria-describedby={describedBy('password') ?? 'auth-password-hint'}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
          <FieldError id="auth-password-error" message={fieldErrors.password} />
          <p id="auth-password-hint" class="hint">
            At least 8 characters
          </p>
        </div>
        {formError ? <Notice tone="error">{formError}</Notice> : null}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy !== undefined} aria-busy={busy === 'in'}>
            Sign in
          </button>
          <button
            type="button"
            disabled={busy !== undefined}
            aria-busy={busy === 'up'}
            onClick={() => void submit('up')}
          >
            Sign up
          </button>
        </div>
      </form>
    </div>
  );
}
