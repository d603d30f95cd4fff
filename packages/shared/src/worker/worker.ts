/**
 * The worker runtime both processors share: consumes one task type, reports `running`, runs the processor's
 * TaskHandler (alongside that report when the handler has no outside effects: `startsBeforeRunning`; such a
 * handler that ends within RUNNING_REPORT_DELAY_MS has its outcome committed with no report before it), commits
 * the outcome once `running` is taken, and acks only once the final commit is recorded. Every delivery ends in
 * one decision (ack, requeue, dead-letter) chosen so that a task is never lost, never finished twice with
 * different results, and never loops forever (the queue's delivery limit ends repeated failures).
 *
 * Lifecycle, like BullMQ's: `run()` starts consuming, `pause()` stops taking deliveries and lets the current
 * ones finish, `close(graceMs)` stops consuming, waits up to graceMs for in-flight work, then returns what is
 * unfinished to the queue and resolves.
 *
 * A finished result the API does not take is held: the committer retries it for its period (COMMIT_HOLD)
 * while the message stays unacked, so an API outage neither re-runs the task nor counts a delivery.
 *
 * Cancels come over the queue's control bus (queue/control-bus.ts). The API has made the task final before it
 * broadcasts, so a cancel only stops work: the delivery's own signal aborts (the sandbox kills its container,
 * the image chain stops at its next step), the worker commits the cancel's own outcome (CANCELLED_ERROR, which
 * the API answers as a repeat) and acks, counted under the outcome `cancelled`, apart from a shutdown's
 * `abandoned` (which requeues). Committing it keeps the rule that an ack follows a recorded final commit: even
 * a broadcast the API did not send cannot leave a task in progress with its message gone.
 */
import type { Logger } from 'pino';
import { CANCELLED_ERROR, type CommitRequest, type TaskMessage, type TaskType } from '../contract/task.js';
import type { ControlMessage, ControlSubscription } from '../queue/control-bus.js';
import type { QueueMetrics, SettlementOutcome } from '../queue/queue-metrics.js';
import { type DecodedTaskMessage, decodeTaskMessage } from '../queue/task-message-codec.js';
import type { Delivery, DeliveryDecision, TaskConsumer, TaskQueue } from '../queue/task-queue.js';
import { within } from '../within.js';
import { RecentIds } from './recent-ids.js';
import { type CommitAnswer, CommitUnavailableError, type TaskCommitter } from './task-committer.js';
import type { TaskHandler, TaskOutcome } from './task-handler.js';

export interface WorkerOptions {
  type: TaskType;
  queue: TaskQueue;
  handler: TaskHandler;
  committer: TaskCommitter;
  log: Logger;
  /** Tasks worked at once; also the prefetch window. */
  concurrency?: number;
  metrics?: QueueMetrics;
}

export type WorkerState = 'idle' | 'running' | 'paused' | 'closing' | 'closed';

/** How a delivery ended, for the log and the processing-time histogram. */
type Settlement = { decision: DeliveryDecision; outcome: SettlementOutcome };

type CommitResult = CommitAnswer | { kind: 'unavailable'; message: string };

/** The task was final before this delivery's work: acked without doing it again. */
const ALREADY_FINAL: Settlement = { decision: 'ack', outcome: 'already_final' };
/** Its owner cancelled the task (final at the API already): the work stopped, or never started. */
const CANCELLED: Settlement = { decision: 'ack', outcome: 'cancelled' };

/**
 * How long a handler started early (`startsBeforeRunning`) works before its `running` report is sent. One that
 * ends sooner has its outcome committed alone: a stage of a few dozen milliseconds is one no client sees, and
 * the report's round trip competes with the work for the CPU (on the image path: about 3 ms of the worker's
 * CPU a task, bench/image-stages.ts). Long enough for a typical filter chain, short next to a poll's interval.
 */
const RUNNING_REPORT_DELAY_MS = 100;

/** How many cancels, and for how long, a worker remembers for deliveries that have not reached their handler. */
const RECENT_CANCELS = { max: 1000, ttlMs: 5 * 60_000 };

export class TaskCancelledError extends Error {
  constructor(readonly taskId: string) {
    super(`task ${taskId} was cancelled by its owner`);
    this.name = 'TaskCancelledError';
  }
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export class Worker {
  readonly type: TaskType;
  readonly concurrency: number;
  private readonly log: Logger;
  private stateValue: WorkerState = 'idle';
  private consumer: TaskConsumer | undefined;
  private readonly inFlight = new Set<Promise<Settlement>>();
  /** When each running handler started (performance.now()), to tell a wedged worker from a busy one. */
  private readonly handlerStarts = new Set<{ at: number }>();
  /** Aborted when the grace period of close() runs out: handlers should stop, nothing more is committed. */
  private readonly abandon = new AbortController();
  private closing: Promise<void> | undefined;
  /** The deliveries being worked on, by task id (a redelivery may overlap), so that a cancel can stop them. */
  private readonly cancellable = new Map<string, Set<AbortController>>();
  private readonly recentCancels = new RecentIds(RECENT_CANCELS);
  private control: ControlSubscription | undefined;

  constructor(private readonly options: WorkerOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new Error(`worker concurrency must be a positive integer, got ${concurrency}`);
    }
    this.type = options.type;
    this.concurrency = concurrency;
    this.log = options.log.child({ worker: options.type });
  }

  get state(): WorkerState {
    return this.stateValue;
  }

  /** Deliveries being worked on right now. */
  get activeCount(): number {
    return this.inFlight.size;
  }

  /** How long the oldest running handler has been at it, in ms (0 when none runs); for /healthz. */
  longestHandlerMs(now = performance.now()): number {
    let oldest = now;
    for (const start of this.handlerStarts) oldest = Math.min(oldest, start.at);
    return now - oldest;
  }

  /** Consuming, and the queue is reachable; for /readyz. */
  isReady(): boolean {
    return this.stateValue === 'running' && this.options.queue.isReady();
  }

  /** Starts (or resumes) consuming. */
  run(): void {
    if (this.stateValue === 'closing' || this.stateValue === 'closed') {
      throw new Error(`the ${this.type} worker is ${this.stateValue}; create a new one`);
    }
    if (this.consumer) return;
    // Listening before consuming: no delivery starts before its cancel could be heard.
    this.control ??= this.options.queue.control.subscribe((message) => this.onControl(message));
    this.consumer = this.options.queue.consume(this.type, (delivery) => this.process(delivery), {
      prefetch: this.concurrency,
    });
    this.stateValue = 'running';
    this.log.info({ concurrency: this.concurrency, queue: this.options.queue.kind }, 'worker consuming');
  }

  /**
   * Stops taking deliveries at once; the promise resolves once those in progress have settled, which a
   * caller that must stay responsive (a readiness loop) does not await. `run()` resumes at once.
   */
  async pause(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.stateValue !== 'running') return;
    this.consumer = undefined;
    this.stateValue = 'paused';
    await consumer.close();
  }

  /**
   * Stops consuming and waits up to `graceMs` for in-flight work to finish and commit. Work still running
   * then is abandoned: its handler's signal aborts, nothing more is committed for it, and its message goes
   * back to the queue unacked for another worker. Safe to call twice.
   */
  close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.closing ??= this.shutDown(graceMs);
    return this.closing;
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.stateValue = 'closing';
    const consumer = this.consumer;
    this.consumer = undefined;
    // Closing the consumer cancels the subscription at once; it resolves when the handlers have settled.
    const consumerClosed = consumer?.close() ?? Promise.resolve();
    const drained = Promise.allSettled([...this.inFlight]).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const gracePassed = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const finished = await Promise.race([drained, gracePassed]);
    clearTimeout(timer);
    if (!finished) {
      this.log.warn(
        { unfinished: this.inFlight.size, grace_ms: graceMs },
        'grace period over; returning unfinished tasks to the queue',
      );
      this.abandon.abort(new Error('worker shut down past its grace period'));
    }
    await consumerClosed;
    await this.control?.close();
    this.stateValue = 'closed';
    this.log.info('worker closed');
  }

  /** Resolves once cancels broadcast from now on reach this worker (after run()); for tests. */
  async listening(): Promise<void> {
    await this.control?.ready();
  }

  private onControl(message: ControlMessage): void {
    if (message.kind !== 'cancel') return;
    this.recentCancels.add(message.task_id);
    const controllers = this.cancellable.get(message.task_id);
    if (!controllers) return;
    this.log.info({ task_id: message.task_id }, 'cancel received; stopping the task');
    for (const controller of controllers) controller.abort(new TaskCancelledError(message.task_id));
  }

  /** A controller that a cancel of `taskId` aborts, until `release`; aborted at once if one came lately. */
  private watchCancel(taskId: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const controllers = this.cancellable.get(taskId) ?? new Set();
    controllers.add(controller);
    this.cancellable.set(taskId, controllers);
    if (this.recentCancels.has(taskId)) controller.abort(new TaskCancelledError(taskId));
    return {
      signal: controller.signal,
      release: () => {
        controllers.delete(controller);
        if (controllers.size === 0 && this.cancellable.get(taskId) === controllers) this.cancellable.delete(taskId);
      },
    };
  }

  /** The queue's handler: settles with the decision, or with `requeue` as soon as the work is abandoned. */
  private async process(delivery: Delivery): Promise<DeliveryDecision> {
    const started = performance.now();
    const { metrics } = this.options;
    metrics?.consumed.inc({ type: this.type });
    if (delivery.redelivered || delivery.deliveryCount > 1) metrics?.redelivered.inc({ type: this.type });

    const work = this.handleDelivery(delivery).catch((error: unknown): Settlement => {
      this.log.error({ err: error, message_id: delivery.messageId }, 'unexpected error handling a delivery');
      return { decision: 'requeue', outcome: 'error' };
    });
    this.inFlight.add(work);
    const signal = this.abandon.signal;
    let onAbandon: (() => void) | undefined;
    const abandoned = new Promise<Settlement>((resolve) => {
      onAbandon = () => resolve({ decision: 'requeue', outcome: 'abandoned' });
      if (signal.aborted) onAbandon();
      else signal.addEventListener('abort', onAbandon, { once: true });
    });
    try {
      const settlement = await Promise.race([work, abandoned]);
      metrics?.settled.inc({ type: this.type, decision: settlement.decision });
      metrics?.processingSeconds.observe(
        { type: this.type, outcome: settlement.outcome },
        (performance.now() - started) / 1000,
      );
      return settlement.decision;
    } finally {
      if (onAbandon) signal.removeEventListener('abort', onAbandon);
      // Abandoned work keeps counting as in flight until it really stops.
      work.finally(() => this.inFlight.delete(work));
    }
  }

  private async handleDelivery(delivery: Delivery): Promise<Settlement> {
    const decoded = decodeTaskMessage(delivery.body);
    if (!decoded.ok) return this.failInvalid(decoded, delivery);
    const message = decoded.message;
    if (message.type !== this.type) {
      return this.failInvalid(
        {
          ok: false,
          problem: `a ${message.type} task reached the ${this.type} queue`,
          task_id: message.task_id,
          commit_token: message.commit_token,
        },
        delivery,
      );
    }
    const log = this.log.child({ task_id: message.task_id, delivery: delivery.deliveryCount });
    // Watched from before the `running` commit: a cancel committed after it is broadcast after it, so heard.
    const cancel = this.watchCancel(message.task_id);
    try {
      return await this.work(message, delivery, cancel.signal, log);
    } finally {
      cancel.release();
    }
  }

  private async work(
    message: TaskMessage,
    delivery: Delivery,
    cancelled: AbortSignal,
    log: Logger,
  ): Promise<Settlement> {
    const handlerSignal = AbortSignal.any([this.abandon.signal, cancelled]);
    // A handler without effects outside this process starts alongside the `running` commit (task-handler.ts);
    // `notTaken` stops it when that commit is not taken.
    const notTaken = new AbortController();
    const early = this.options.handler.startsBeforeRunning
      ? this.runHandler(message, delivery, AbortSignal.any([handlerSignal, notTaken.signal]), log)
      : undefined;
    const dropEarly = async () => {
      notTaken.abort(new Error('the running commit was not taken'));
      await early; // never rejects: a delivery's handler does not outlive its settlement
    };
    // Past the delay it goes on running (runHandler never rejects): undefined, and the report goes out.
    const quick =
      early && (await within(early, RUNNING_REPORT_DELAY_MS, () => new Error('still at work')).catch(() => undefined));
    // Cancelled or closing meanwhile: the path below, whose running commit finds the task final or requeues.
    if (quick?.ok && !cancelled.aborted && !this.abandon.signal.aborted) {
      return this.commitOutcome(message, quick.outcome, log);
    }
    const running = await this.commit(message, { task_id: message.task_id, status: 'running' }, log);
    const final = running.kind === 'accepted' && (running.taskStatus === 'ready' || running.taskStatus === 'failed');
    if (running.kind !== 'accepted' || final) {
      await dropEarly();
      if (running.kind === 'accepted' || running.kind === 'conflict')
        log.info('task already final; acked without repeating the work');
      // A cancel heard before the delivery came: the same ack, counted as what it was.
      const done = cancelled.aborted ? CANCELLED : ALREADY_FINAL;
      return this.settle(running, { accepted: done, conflict: done }, log);
    }
    if (cancelled.aborted) {
      await dropEarly();
      return this.stoppedByCancel(message, 'before it started', log);
    }

    const ran = await (early ?? this.runHandler(message, delivery, handlerSignal, log));
    if (!ran.ok) {
      if (cancelled.aborted) return this.stoppedByCancel(message, 'while running', log);
      // The handler could not do the work now (or broke its contract): another delivery may succeed; the
      // delivery limit dead-letters a task that fails every time.
      log.warn({ err: ran.error }, 'task handler failed; returning the task to the queue');
      return { decision: 'requeue', outcome: 'handler_error' };
    }
    // Whatever the handler made of it, the task is final at the API already: its result could only be refused.
    if (cancelled.aborted) return this.stoppedByCancel(message, 'while running', log);
    if (this.abandon.signal.aborted) return { decision: 'requeue', outcome: 'abandoned' };
    return this.commitOutcome(message, ran.outcome, log);
  }

  /**
   * Commits the handler's outcome; a result the API refuses (too large, malformed) is reported as the task's
   * failure instead, so the task ends. A conflict means another delivery's final commit came first: it stands.
   */
  private async commitOutcome(message: TaskMessage, outcome: TaskOutcome, log: Logger): Promise<Settlement> {
    const request: CommitRequest =
      outcome.status === 'ready'
        ? { task_id: message.task_id, status: 'ready', result: outcome.result as CommitRequest['result'] }
        : { task_id: message.task_id, status: 'failed', error: outcome.error };
    const answer = await this.commit(message, request, log);
    if (answer.kind === 'accepted') log.info({ status: outcome.status }, 'task finished');
    // Another final outcome came first (another delivery's, or a cancel): the first one stands.
    if (answer.kind === 'conflict') log.warn({ problem: answer.message }, 'the API already holds another final result');
    if (answer.kind === 'refused') {
      // The API will not take this result (too large, malformed): report that instead, so the task ends.
      const failed = await this.commit(
        message,
        {
          task_id: message.task_id,
          status: 'failed',
          error: { code: 'result_rejected', message: `the API refused the result: ${answer.message}` },
        },
        log,
      );
      const reported: Settlement = { decision: 'ack', outcome: 'failed' };
      return this.settle(failed, { accepted: reported, conflict: reported }, log);
    }
    return this.settle(
      answer,
      { accepted: { decision: 'ack', outcome: outcome.status }, conflict: ALREADY_FINAL },
      log,
    );
  }

  /** Runs the handler, counted in handlerStarts while it runs; never rejects. */
  private async runHandler(
    message: TaskMessage,
    delivery: Delivery,
    signal: AbortSignal,
    log: Logger,
  ): Promise<{ ok: true; outcome: TaskOutcome } | { ok: false; error: unknown }> {
    const start = { at: performance.now() };
    this.handlerStarts.add(start);
    try {
      const outcome = await this.options.handler(message, { signal, log, redelivered: delivery.redelivered });
      assertOutcome(outcome);
      return { ok: true, outcome };
    } catch (error) {
      return { ok: false, error };
    } finally {
      this.handlerStarts.delete(start);
    }
  }

  /** Reports the cancel's own outcome (a repeat at the API), then acks; requeues if the API is unreachable. */
  private async stoppedByCancel(message: TaskMessage, when: string, log: Logger): Promise<Settlement> {
    log.info(`task cancelled by its owner ${when}; stopped`);
    const answer = await this.commit(
      message,
      { task_id: message.task_id, status: 'failed', error: CANCELLED_ERROR },
      log,
    );
    return this.settle(answer, { accepted: CANCELLED, conflict: CANCELLED }, log);
  }

  /**
   * The one ladder from a commit's answer to what becomes of the delivery: the API took it (or already holds
   * a final result) → the given settlement; unreachable → back to the queue; anything else → settleRefusal.
   */
  private settle(
    answer: CommitResult,
    onTaken: { accepted: Settlement; conflict: Settlement },
    log: Logger,
  ): Settlement {
    switch (answer.kind) {
      case 'accepted':
        return onTaken.accepted;
      case 'conflict':
        return onTaken.conflict;
      case 'unavailable':
        return { decision: 'requeue', outcome: 'api_unavailable' };
      default:
        return this.settleRefusal(answer, log);
    }
  }

  /**
   * A message this worker can never process (not JSON, unknown schema version, wrong shape): commit `failed`
   * with the reason and ack. Without a task id and token there is nobody to tell: reject it to the
   * dead-letter queue, whose consumer parks it for operators.
   */
  private async failInvalid(decoded: DecodedTaskMessage & { ok: false }, delivery: Delivery): Promise<Settlement> {
    const log = this.log.child({ message_id: delivery.messageId, task_id: decoded.task_id });
    if (!decoded.task_id || !decoded.commit_token) {
      log.error({ problem: decoded.problem }, 'unprocessable message without task id or token; dead-lettering it');
      return { decision: 'dead_letter', outcome: 'invalid' };
    }
    log.warn({ problem: decoded.problem }, 'invalid task message; committing failed');
    const answer = await this.commit(
      { task_id: decoded.task_id, commit_token: decoded.commit_token },
      { task_id: decoded.task_id, status: 'failed', error: { code: 'invalid_message', message: decoded.problem } },
      log,
    );
    const reported: Settlement = { decision: 'ack', outcome: 'invalid' };
    return this.settle(answer, { accepted: reported, conflict: reported }, log);
  }

  /**
   * Answers that no retry will change:
   * - 404, the API does not know the task: it was withdrawn (its publish was not confirmed in time, so the
   *   client got a 503) or has expired. Nobody waits for a result, so the work is skipped and the message
   *   acked; dead-lettering it would only bring the same 404 back.
   * - 403, the token is refused, and any other 4xx: the message is not what the API issued (forged, or a
   *   bug). It is rejected to the dead-letter queue so that it is kept and counted, not silently dropped.
   */
  private settleRefusal(
    answer: Exclude<CommitAnswer, { kind: 'accepted' } | { kind: 'conflict' }>,
    log: Logger,
  ): Settlement {
    if (answer.kind === 'not_found') {
      log.warn({ problem: answer.message }, 'the API does not know this task; acked without doing the work');
      return { decision: 'ack', outcome: 'unknown_task' };
    }
    log.error({ problem: answer.message }, 'the API refused the commit; dead-lettering the message');
    return { decision: 'dead_letter', outcome: 'refused' };
  }

  private async commit(
    message: Pick<TaskMessage, 'task_id' | 'commit_token'>,
    request: CommitRequest,
    log: Logger,
  ): Promise<CommitResult> {
    try {
      return await this.options.committer.commit(message.commit_token, request, this.abandon.signal);
    } catch (error) {
      const reason = error instanceof CommitUnavailableError ? error.message : String(error);
      log.warn(
        { status: request.status, problem: reason },
        'commit not delivered within the hold; returning the task to the queue',
      );
      return { kind: 'unavailable', message: reason };
    }
  }
}

function assertOutcome(outcome: unknown): asserts outcome is TaskOutcome {
  const value = outcome as Partial<{ status: unknown; result: unknown; error: { code?: unknown; message?: unknown } }>;
  if (value?.status === 'ready' && value.result !== undefined) return;
  if (value?.status === 'failed' && typeof value.error?.code === 'string' && typeof value.error.message === 'string') {
    return;
  }
  throw new Error(`the task handler returned an invalid outcome: ${JSON.stringify(outcome)?.slice(0, 200)}`);
}
