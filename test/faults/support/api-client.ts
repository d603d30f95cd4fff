/** The suite's user of the API over HTTP: registers, submits tasks, reads their status and results. */
import { randomBytes } from 'node:crypto';

export interface TaskView {
  status: 'in_progress' | 'ready' | 'failed';
  stage?: string;
  result?: unknown;
  error?: { code: string; message: string } | null;
}

export class ApiClient {
  private token = '';
  readonly username = `faults_${randomBytes(6).toString('hex')}`;
  private readonly password = 'faults-password-1';

  constructor(public baseUrl: string) {}

  /** Registers (again, after an API that lost its accounts) and logs in. */
  async login(): Promise<void> {
    const body = JSON.stringify({ username: this.username, password: this.password });
    const headers = { 'content-type': 'application/json' };
    await fetch(`${this.baseUrl}/register`, { method: 'POST', headers, body });
    const response = await fetch(`${this.baseUrl}/login`, { method: 'POST', headers, body });
    if (response.status !== 200) throw new Error(`login: HTTP ${response.status} ${await response.text()}`);
    this.token = ((await response.json()) as { token: string }).token;
  }

  private get auth() {
    return { authorization: `Bearer ${this.token}` };
  }

  async submit(payload: object): Promise<string> {
    const response = await fetch(`${this.baseUrl}/task`, {
      method: 'POST',
      headers: { ...this.auth, 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    if (response.status !== 201) throw new Error(`POST /task: HTTP ${response.status} ${await response.text()}`);
    return ((await response.json()) as { task_id: string }).task_id;
  }

  /** The task's status, or the HTTP status when there is none to read (404 after a RAM API restart, 401). */
  async status(id: string): Promise<TaskView | { http: number }> {
    const response = await fetch(`${this.baseUrl}/status/${id}`, { headers: this.auth });
    if (response.status !== 200) {
      await response.body?.cancel();
      return { http: response.status };
    }
    return (await response.json()) as TaskView;
  }

  async result(id: string): Promise<TaskView> {
    const response = await fetch(`${this.baseUrl}/result/${id}`, {
      headers: { ...this.auth, accept: 'application/json' },
    });
    return (await response.json()) as TaskView;
  }

  /** An image task's result as PNG bytes. */
  async png(id: string): Promise<Buffer> {
    const response = await fetch(`${this.baseUrl}/result/${id}?format=png`, { headers: this.auth });
    return Buffer.from(await response.arrayBuffer());
  }
}
