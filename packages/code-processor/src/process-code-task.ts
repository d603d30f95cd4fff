/**
 * The code-processor's TaskHandler: checks the payload again with the shared contract, runs it in a sandbox,
 * and returns the CodeResult. A verdict (even a crash or a time limit) is a ready result; a payload that
 * breaks the contract is a failed task; a sandbox that cannot run throws, so the runtime requeues the task.
 */
import { type CodeResult, type CodeTaskPayload, isFieldError, parseCodeTask, type TaskHandler } from '@conveyor/shared';

/** What the handler needs of a runner (SandboxRunner in production). */
export interface CodeRunner {
  run(task: CodeTaskPayload, options: { taskId: string; signal?: AbortSignal }): Promise<CodeResult>;
}

export function createCodeTaskHandler(runner: CodeRunner): TaskHandler {
  return async (message, context) => {
    if (message.type !== 'code') {
      return {
        status: 'failed',
        error: { code: 'invalid_payload', message: `expected a code task, got ${String(message.type)}` },
      };
    }
    const payload: unknown = message.payload;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      return { status: 'failed', error: { code: 'invalid_payload', message: 'payload must be an object' } };
    }
    const task = parseCodeTask(payload as Record<string, unknown>);
    if (isFieldError(task)) {
      return { status: 'failed', error: { code: 'invalid_payload', message: `${task.field}: ${task.message}` } };
    }
    const result = await runner.run(task, { taskId: message.task_id, signal: context.signal });
    context.log.info(
      { task_id: message.task_id, translator: task.translator, verdict: result.verdict, time_ms: result.time_ms },
      'code task done',
    );
    return { status: 'ready', result };
  };
}
