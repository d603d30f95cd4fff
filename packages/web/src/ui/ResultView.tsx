/**
 * A finished (or unfinished) task, the same everywhere: after Run, after Process, and on a task's page.
 * The region is named "Result" and takes focus when the result arrives; the verdict is text inside it.
 */
import type { ComponentChildren, Ref } from 'preact';
import { imageUrl } from '../api/endpoints.js';
import type { CodeResult, ResultView as Result, StatusView } from '../api/types.js';
import { describeCodeResult } from '../logic/result-view.js';
import { CancelButton } from './CancelButton.js';

export interface ResultViewProps {
  /** The task shown; known before its first status arrives (the watch long-polls for the end). */
  taskId: string;
  status: StatusView | undefined;
  result: Result | undefined;
  /** The chosen picture, for before/after (image tasks submitted from this page). */
  original?: string | undefined;
  /** A problem following the task (the network gone); shown in place, the watch goes on. */
  trouble?: string | undefined;
  regionRef?: Ref<HTMLElement>;
}

function Progress(props: { taskId: string; status: StatusView | undefined }) {
  const stage = props.status?.stage ?? 'queued';
  return (
    <div class="progress">
      <span class={`badge badge-progress stage-${stage}`}>in_progress</span>
      <span class="spinner" aria-hidden="true" />
      <span>{stage === 'running' ? 'Running…' : 'Waiting in the queue…'}</span>
      {!props.status || props.status.status === 'in_progress' ? <CancelButton taskId={props.taskId} /> : null}
    </div>
  );
}

function Panel(props: { name: string; text: string; truncated: boolean }) {
  const id = `panel-${props.name.replaceAll(' ', '-').toLowerCase()}`;
  return (
    <section class="panel" aria-labelledby={id}>
      <div class="panel-head">
        <h3 id={id}>{props.name}</h3>
        {props.truncated ? <span class="badge badge-warn">truncated</span> : null}
      </div>
      {props.text ? (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling panel must be reachable by keyboard to scroll it
        <pre tabIndex={0}>{props.text}</pre>
      ) : (
        <p class="empty">(empty)</p>
      )}
    </section>
  );
}

function CodeResultBody(props: { result: CodeResult }) {
  const view = describeCodeResult(props.result);
  return (
    <>
      <div class="verdict">
        <span class={`badge badge-${view.tone}`}>{view.verdict}</span>
        <span>{view.headline}</span>
      </div>
      <dl class="facts">
        <div>
          <dt>Ended</dt>
          <dd>{view.ending}</dd>
        </div>
        <div>
          <dt>Time</dt>
          <dd>{view.time}</dd>
        </div>
      </dl>
      {view.panels.map((panel) => (
        <Panel key={panel.name} {...panel} />
      ))}
    </>
  );
}

function ImageResultBody(props: { taskId: string; original?: string | undefined }) {
  const url = imageUrl(props.taskId);
  return (
    <>
      <div class="verdict">
        <span class="badge badge-good">ready</span>
        <span>The image was processed.</span>
      </div>
      <div class={props.original ? 'compare' : 'compare single'}>
        {props.original ? (
          <figure>
            <img src={props.original} alt="Before: the original" />
            <figcaption>Before</figcaption>
          </figure>
        ) : null}
        <figure>
          <img src={url} alt="After: the result" data-result-image="" />
          <figcaption>After</figcaption>
        </figure>
      </div>
      <p>
        <a class="button" href={url} download={`conveyor-${props.taskId.slice(0, 8)}.png`}>
          Download result
        </a>
      </p>
    </>
  );
}

export function ResultView(props: ResultViewProps) {
  const { status, result } = props;
  let body: ComponentChildren;
  if (result?.status === 'failed') {
    body = (
      <>
        <div class="verdict">
          <span class="badge badge-bad">failed</span>
          <span>{result.error ? result.error.code : 'The task failed.'}</span>
        </div>
        {result.error ? <p class="error-message">{result.error.message}</p> : null}
      </>
    );
  } else if (result?.status === 'ready' && result.result !== null && typeof result.result === 'object') {
    body = <CodeResultBody result={result.result} />;
  } else if (result?.status === 'ready') {
    body = <ImageResultBody taskId={result.task_id} original={props.original} />;
  } else {
    body = <Progress taskId={props.taskId} status={status} />;
  }
  return (
    <section class="card result" aria-labelledby="result-heading" ref={props.regionRef} tabIndex={-1}>
      <h2 id="result-heading">Result</h2>
      {props.trouble ? (
        <p class="notice notice-error" role="alert">
          {props.trouble}
        </p>
      ) : null}
      <div aria-live="polite">{body}</div>
    </section>
  );
}
