/**
 * A stand-in for the API's POST /commit, on a real HTTP server, following the API's commit rules: `running`
 * moves an unfinished task, the first final commit wins, the same final commit again is accepted, anything
 * else after the final one is 409; unknown task 404; wrong token 403. It records every commit it receives
 * and can be told to fail the next requests with a status (to exercise retries).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CANCELLED_ERROR, type CommitRequest, type TaskMessage } from '@conveyor/shared';

export interface RecordedCommit {
  task_id: string;
  status: CommitRequest['status'];
  answer: number;
  body: CommitRequest;
}

interface FakeTask {
  token: string;
  status: 'in_progress' | 'ready' | 'failed';
  finalBody?: string;
}

export class FakeCommitApi {
  readonly commits: RecordedCommit[] = [];
  private readonly tasks = new Map<string, FakeTask>();
  private failures: number[] = [];
  /** Until this time (ms since the epoch) every request is answered with `outageStatus`. */
  private outageUntil = 0;
  private outageStatus = 503;
  private server!: Server;
  url = '';

  static async start(): Promise<FakeCommitApi> {
    const api = new FakeCommitApi();
    api.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/healthz') {
          const down = Date.now() < api.outageUntil;
          response.writeHead(down ? api.outageStatus : 200, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        const [status, body] = api.answer(request.headers.authorization, Buffer.concat(chunks).toString('utf8'));
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  /** Makes the API know the task, as POST /task would have. */
  register(message: TaskMessage): void {
    this.tasks.set(message.task_id, { token: message.commit_token, status: 'in_progress' });
  }

  /** Makes the task final as the API's DELETE /task/{id} would (failed, cancelled); true if it was in progress. */
  cancel(taskId: string): boolean {
    const task = this.tasks.get(taskId);
    if (task?.status !== 'in_progress') return false;
    task.status = 'failed';
    task.finalBody = JSON.stringify(['failed', undefined, CANCELLED_ERROR]);
    return true;
  }

  /** Answers the next requests with these statuses (e.g. [503, 503]) before behaving normally. */
  failNext(...statuses: number[]): void {
    this.failures.push(...statuses);
  }

  /** Answers every request with `status` for the next `ms` milliseconds (an outage of that long). */
  failFor(ms: number, status = 503): void {
    this.outageUntil = Date.now() + ms;
    this.outageStatus = status;
  }

  statusOf(taskId: string): FakeTask['status'] | undefined {
    return this.tasks.get(taskId)?.status;
  }

  /** Commits of a task that the API accepted, in order. */
  accepted(taskId: string): RecordedCommit[] {
    return this.commits.filter((c) => c.task_id === taskId && c.answer === 200);
  }

  /** Final commits of a task that changed its state (the first final one); at most one by the rules. */
  finals(taskId: string): RecordedCommit[] {
    const seen = new Set<string>();
    return this.accepted(taskId).filter((c) => {
      if (c.status === 'running') return false;
      const key = JSON.stringify(c.body);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  private answer(authorization: string | undefined, text: string): [number, unknown] {
    let body: CommitRequest;
    try {
      body = JSON.parse(text) as CommitRequest;
    } catch {
      return [400, { error: 'bad_request', message: 'body is not JSON' }];
    }
    const record = (answer: number) => this.commits.push({ task_id: body.task_id, status: body.status, answer, body });
    const failure = Date.now() < this.outageUntil ? this.outageStatus : this.failures.shift();
    if (failure !== undefined) {
      record(failure);
      return [failure, { error: 'unavailable', message: `injected ${failure}` }];
    }
    const task = this.tasks.get(body.task_id);
    if (!task) {
      record(404);
      return [404, { error: 'not_found', message: 'unknown task' }];
    }
    if (authorization !== `Bearer ${task.token}`) {
      record(403);
      return [403, { error: 'forbidden', message: 'commit token refused' }];
    }
    const final = task.status !== 'in_progress';
    if (body.status === 'running') {
      record(final ? 409 : 200);
      return final
        ? [409, { error: 'conflict', message: 'task is already final' }]
        : [200, { task_id: body.task_id, status: 'in_progress', stage: 'running' }];
    }
    const digest = JSON.stringify([body.status, body.result, body.error]);
    if (final) {
      const same = task.finalBody === digest;
      record(same ? 200 : 409);
      return same
        ? [200, { task_id: body.task_id, status: task.status }]
        : [409, { error: 'conflict', message: 'task already has another final result' }];
    }
    task.status = body.status;
    task.finalBody = digest;
    record(200);
    return [200, { task_id: body.task_id, status: task.status }];
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
