/**
 * New image task: choose or drop a PNG (checked here against the API's caps before upload), build the
 * chain of filters, Process; the result shows before and after side by side.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { describeFailure } from '../api/client.js';
import { api } from '../api/endpoints.js';
import type { ClientLimits } from '../api/types.js';
import { type ChainAction, type ChainStep, newStep, reduceChain, validateChain } from '../logic/filter-chain.js';
import { checkImage, formatBytes, PNG_HEADER_BYTES } from '../logic/png-check.js';
import { FieldError, Notice, PageHeading } from './common.js';
import { FilterChain } from './FilterChain.js';
import { ResultView } from './ResultView.js';
import { useTask } from './use-task.js';

interface Chosen {
  file: File;
  url: string;
  width: number;
  height: number;
}

export function ImagePage(props: { limits: ClientLimits }) {
  const limits = props.limits.image;
  const [chosen, setChosen] = useState<Chosen | undefined>();
  const [imageProblem, setImageProblem] = useState<string | undefined>();
  const [steps, setSteps] = useState<ChainStep[]>(() => [newStep(limits)]);
  const [showProblems, setShowProblems] = useState(false);
  const [serverChainProblem, setServerChainProblem] = useState<string | undefined>();
  const [formError, setFormError] = useState<string | undefined>();
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [submitted, setSubmitted] = useState<{ taskId: string; original: string } | undefined>();
  const task = useTask(submitted?.taskId, { focusOnResult: true });

  const check = useMemo(() => validateChain(steps, limits), [steps, limits]);
  const dispatch = (action: ChainAction) => {
    setServerChainProblem(undefined);
    setSteps((current) => reduceChain(current, action, limits));
  };

  // Object URLs of pictures no longer shown are released.
  useEffect(() => () => chosen && URL.revokeObjectURL(chosen.url), [chosen]);

  async function choose(file: File | undefined) {
    setFormError(undefined);
    if (!file) return;
    const header = new Uint8Array(await file.slice(0, PNG_HEADER_BYTES).arrayBuffer());
    const result = checkImage(file, header, limits);
    if (!result.ok) {
      setImageProblem(result.problem);
      setChosen(undefined);
      return;
    }
    setImageProblem(undefined);
    setChosen({ file, url: URL.createObjectURL(file), width: result.width, height: result.height });
  }

  async function process() {
    if (busy) return;
    setShowProblems(true);
    setFormError(undefined);
    if (!chosen) {
      setImageProblem(imageProblem ?? 'Choose a PNG image first.');
      document.getElementById('image-input')?.focus();
      return;
    }
    if (!check.ok) return;
    setBusy(true);
    const outcome = await api.submitImage(chosen.file, check.steps);
    setBusy(false);
    if (outcome.ok) {
      setSubmitted({ taskId: outcome.body.task_id, original: URL.createObjectURL(chosen.file) });
      return;
    }
    const field = outcome.kind === 'http' ? outcome.field : undefined;
    if (field === 'image') setImageProblem(describeFailure(outcome));
    else if (field?.startsWith('filter')) setServerChainProblem(describeFailure(outcome));
    else setFormError(describeFailure(outcome));
  }

  const kinds = limits.types.map((t) => t.replace('image/', '').toUpperCase()).join(', ');
  return (
    <div class="page image-page">
      <PageHeading title="New image task">New image task</PageHeading>
      <div class="split">
        <form
          class="card"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void process();
          }}
        >
          {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the file input inside is the keyboard way */}
          <div
            class={`dropzone${dragging ? ' dragging' : ''}${chosen ? ' has-image' : ''}`}
            onDragOver={(event) => {
              event.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(event) => {
              event.preventDefault();
              setDragging(false);
              void choose(event.dataTransfer?.files[0]);
            }}
          >
            {chosen ? (
              <figure class="original">
                <img src={chosen.url} alt="The chosen file" />
                <figcaption>
                  {chosen.file.name} · {chosen.width}×{chosen.height} · {formatBytes(chosen.file.size)}
                </figcaption>
              </figure>
            ) : (
              <p class="drop-hint" aria-hidden="true">
                Drop a {kinds} here
              </p>
            )}
            <label for="image-input">Image</label>
            <input
              id="image-input"
              type="file"
              accept={limits.types.join(',')}
              aria-invalid={imageProblem ? true : undefined}
              aria-describedby={imageProblem ? 'image-error' : 'image-hint'}
              onChange={(event) => void choose(event.currentTarget.files?.[0])}
            />
            <p id="image-hint" class="hint">
              {kinds} up to {formatBytes(limits.max_bytes)} and {(limits.max_pixels / 1e6).toLocaleString('en')}{' '}
              megapixels.
            </p>
            <FieldError id="image-error" message={imageProblem} />
          </div>
          <FilterChain
            steps={steps}
            limits={limits}
            problems={showProblems && !check.ok ? check.steps : new Map()}
            chainProblem={serverChainProblem ?? (showProblems && !check.ok ? check.chain : undefined)}
            dispatch={dispatch}
          />
          {formError ? <Notice tone="error">{formError}</Notice> : null}
          <div class="actions">
            <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
              Process
            </button>
          </div>
        </form>
        {submitted ? (
          <ResultView taskId={submitted.taskId} original={submitted.original} {...task} />
        ) : (
          <section class="card result placeholder" aria-labelledby="result-heading">
            <h2 id="result-heading">Result</h2>
            <p class="empty">Process an image to see it before and after, side by side.</p>
          </section>
        )}
      </div>
    </div>
  );
}
