/**
 * New code task: language, code, input, optional limits within the API's bounds (GET /limits); Run or
 * Ctrl+Enter submits. The last code, language and input stay in the browser across reloads.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeFailure } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { ClientLimits } from '../api/types.js';
import { type CodeDraft, loadDraft, SAMPLES, saveDraft, syntaxOf, translatorLabel } from '../logic/drafts.js';
import { CodeEditor } from './CodeEditor.js';
import { FieldError, Notice, PageHeading } from './common.js';
import { ResultView } from './ResultView.js';
import { useTask } from './use-task.js';

type LimitField = 'time_ms' | 'memory_mb';

function initialDraft(limits: ClientLimits): CodeDraft {
  const saved = loadDraft(localStorage);
  if (saved && limits.code.translators.includes(saved.translator)) return saved;
  const translator = limits.code.translators[0] ?? 'python3';
  return { translator, code: SAMPLES[translator] ?? '', stdin: 'world\n' };
}

export function CodePage(props: { limits: ClientLimits }) {
  const { limits } = props;
  const [draft, setDraft] = useState(() => initialDraft(limits));
  const [limitText, setLimitText] = useState<Record<LimitField, string>>({ time_ms: '', memory_mb: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [taskId, setTaskId] = useState<string | undefined>();
  const task = useTask(taskId, { focusOnResult: true });

  useEffect(() => saveDraft(localStorage, draft), [draft]);

  // The compiler's or interpreter's version under the language picker: a nicety, so a failure shows nothing.
  const [versions, setVersions] = useState<Record<string, string>>({});
  useEffect(() => {
    void api.languages().then((outcome) => {
      if (!outcome.ok) return;
      const known = outcome.body.translators.filter((t) => t.version !== null);
      setVersions(Object.fromEntries(known.map((t) => [t.name, t.version as string])));
    });
  }, []);

  const update = (change: Partial<CodeDraft>) => setDraft((current) => ({ ...current, ...change }));

  function changeLanguage(translator: string) {
    setDraft((current) => {
      // An untouched sample follows the language; the user's own code stays.
      const untouched = current.code.trim() === '' || current.code === SAMPLES[current.translator];
      return { ...current, translator, code: untouched ? (SAMPLES[translator] ?? '') : current.code };
    });
  }

  const limitProblems = useMemo(() => {
    const problems: Record<string, string> = {};
    for (const field of ['time_ms', 'memory_mb'] as const) {
      const text = limitText[field].trim();
      if (text === '') continue;
      const value = Number(text);
      const { min, max } = limits.code[field];
      if (!Number.isInteger(value) || value < min || value > max) {
        problems[`limits.${field}`] = `A whole number from ${min} to ${max}, or empty for the default.`;
      }
    }
    return problems;
  }, [limitText, limits]);

  async function run() {
    if (busy) return;
    setFormError(undefined);
    const problems: Record<string, string> = { ...limitProblems };
    if (draft.code.trim() === '') problems.code = 'Write some code first.';
    if (new TextEncoder().encode(draft.code).length > limits.code.max_code_bytes) {
      problems.code = `The code is over ${limits.code.max_code_bytes} bytes.`;
    }
    if (new TextEncoder().encode(draft.stdin).length > limits.code.max_stdin_bytes) {
      problems.stdin = `The input is over ${limits.code.max_stdin_bytes} bytes.`;
    }
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const taskLimits: Record<string, number> = {};
    for (const field of ['time_ms', 'memory_mb'] as const) {
      if (limitText[field].trim() !== '') taskLimits[field] = Number(limitText[field]);
    }
    setBusy(true);
    const outcome = await api.submitCode({
      ...draft,
      ...(Object.keys(taskLimits).length ? { limits: taskLimits } : {}),
    });
    setBusy(false);
    if (outcome.ok) {
      setTaskId(outcome.body.task_id);
      return;
    }
    if (outcome.kind === 'http' && outcome.field) {
      const field = outcome.field === 'translator' ? 'translator' : outcome.field;
      setErrors({ [field]: describeFailure(outcome) });
    } else {
      setFormError(describeFailure(outcome));
    }
  }

  const described = (field: string, hint?: string) => (errors[field] ? `${field.replace('.', '-')}-error` : hint);

  return (
    <div class="page code-page">
      <PageHeading title="New code task">New code task</PageHeading>
      <div class="split">
        <form
          class="card"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void run();
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void run();
            }
          }}
        >
          <div class="row">
            <div class="field">
              <label for="code-language">Language</label>
              <select
                id="code-language"
                value={draft.translator}
                aria-describedby={described('translator', versions[draft.translator] ? 'code-version' : undefined)}
                onChange={(event) => changeLanguage(event.currentTarget.value)}
              >
                {limits.code.translators.map((name) => (
                  <option key={name} value={name}>
                    {translatorLabel(name, limits.code.languages[name])}
                  </option>
                ))}
              </select>
              {versions[draft.translator] && (
                <p id="code-version" class="hint">
                  {versions[draft.translator]}
                </p>
              )}
              <FieldError id="translator-error" message={errors.translator} />
            </div>
            <div class="field small">
              <label for="code-time">Time limit (ms)</label>
              <input
                id="code-time"
                type="number"
                inputMode="numeric"
                min={limits.code.time_ms.min}
                max={limits.code.time_ms.max}
                step={100}
                placeholder="default"
                value={limitText.time_ms}
                aria-invalid={limitProblems['limits.time_ms'] ? true : undefined}
                aria-describedby={described('limits.time_ms', 'code-limits-hint')}
                onInput={(event) => setLimitText((t) => ({ ...t, time_ms: event.currentTarget.value }))}
              />
              <FieldError id="limits-time_ms-error" message={errors['limits.time_ms']} />
            </div>
            <div class="field small">
              <label for="code-memory">Memory (MB)</label>
              <input
                id="code-memory"
                type="number"
                inputMode="numeric"
                min={limits.code.memory_mb.min}
                max={limits.code.memory_mb.max}
                placeholder="default"
                value={limitText.memory_mb}
                aria-invalid={limitProblems['limits.memory_mb'] ? true : undefined}
                aria-describedby={described('limits.memory_mb', 'code-limits-hint')}
                onInput={(event) => setLimitText((t) => ({ ...t, memory_mb: event.currentTarget.value }))}
              />
              <FieldError id="limits-memory_mb-error" message={errors['limits.memory_mb']} />
            </div>
          </div>
          <p id="code-limits-hint" class="hint">
            Limits are optional: time {limits.code.time_ms.min}–{limits.code.time_ms.max} ms, memory{' '}
            {limits.code.memory_mb.min}–{limits.code.memory_mb.max} MB; the server may hold a task to lower caps.
          </p>
          <div class="field">
            <span class="label" id="code-label">
              Code
            </span>
            <CodeEditor
              value={draft.code}
              syntax={syntaxOf(limits.code.languages[draft.translator])}
              describedBy={errors.code ? 'code-error' : 'code-hint'}
              onChange={(code) => update({ code })}
              onSubmit={() => void run()}
            />
            <FieldError id="code-error" message={errors.code} />
            <p id="code-hint" class="hint">
              Tab indents; Esc then Tab moves on. Ctrl+Enter runs.
            </p>
          </div>
          <div class="field">
            <label for="code-stdin">Input</label>
            <textarea
              id="code-stdin"
              rows={3}
              spellcheck={false}
              value={draft.stdin}
              aria-describedby={described('stdin', 'code-stdin-hint')}
              onInput={(event) => update({ stdin: event.currentTarget.value })}
            />
            <FieldError id="stdin-error" message={errors.stdin} />
            <p id="code-stdin-hint" class="hint">
              Sent to the program's standard input.
            </p>
          </div>
          {formError ? <Notice tone="error">{formError}</Notice> : null}
          <div class="actions">
            <button type="submit" class="primary" disabled={busy} aria-busy={busy} aria-keyshortcuts="Control+Enter">
              Run
            </button>
            <span class="hint">or Ctrl+Enter</span>
          </div>
        </form>
        {taskId ? (
          <ResultView taskId={taskId} {...task} />
        ) : (
          <section class="card result placeholder" aria-labelledby="result-heading">
            <h2 id="result-heading">Result</h2>
            <p class="empty">Run the program to see its verdict, output and time here.</p>
          </section>
        )}
      </div>
    </div>
  );
}
