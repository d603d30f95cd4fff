/**
 * One scenario's own Conveyor: the API and workers as real processes on the shared RabbitMQ (a unique queue
 * prefix, deleted after) and Docker engine (a deployment label of its own, its containers removed after),
 * optionally behind proxies the suite cuts: a TCP proxy between the workers and the API, a unix-socket proxy
 * between the code workers and Docker. It watches the engine's events to count sandboxes per task.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopology, deleteTopology } from '@conveyor/shared';
import Docker from 'dockerode';
import { Connection } from 'rabbitmq-client';
import { ApiClient } from './api-client.js';
import { CuttableProxy } from './cuttable-proxy.js';
import { Ledger } from './ledger.js';
import { type ServiceKind, ServiceProcess } from './service-process.js';

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
export const docker = new Docker({ socketPath: DOCKER_SOCKET });

/** Fixed API ports from this suite's range, so a restarted API comes back where the workers expect it. */
let nextApiPort = Number(process.env.FAULTS_PORT_BASE ?? 18200);

export interface StackOptions {
  name: string;
  /** Put the TCP proxy between the workers and the API. */
  apiProxy?: boolean;
  /** Put the unix-socket proxy between the code workers and Docker. */
  dockerProxy?: boolean;
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
}

export class FaultStack {
  readonly prefix = `ft-${randomBytes(4).toString('hex')}`;
  readonly deployment = this.prefix;
  readonly logDir = mkdtempSync(join(tmpdir(), 'conveyor-faults-'));
  readonly apiPort = nextApiPort++;
  readonly apiUrl = `http://127.0.0.1:${this.apiPort}`;
  readonly client = new ApiClient(this.apiUrl);
  readonly ledger = new Ledger(this.client);
  /** Sandbox containers created per task id, from the engine's events. */
  readonly creations = new Map<string, number>();
  readonly processes: ServiceProcess[] = [];
  api!: ServiceProcess;
  apiProxy: CuttableProxy | undefined;
  dockerProxy: CuttableProxy | undefined;
  private events: NodeJS.ReadableStream | undefined;
  private admin: Connection | undefined;

  private constructor(readonly options: StackOptions) {}

  static async start(options: StackOptions): Promise<FaultStack> {
    const stack = new FaultStack(options);
    await stack.watchSandboxes();
    if (options.apiProxy) stack.apiProxy = await CuttableProxy.start({ port: stack.apiPort, host: '127.0.0.1' });
    if (options.dockerProxy) {
      stack.dockerProxy = await CuttableProxy.start(
        { path: DOCKER_SOCKET },
        { path: join(stack.logDir, 'docker.sock') },
      );
    }
    await stack.startApi();
    await stack.client.login();
    return stack;
  }

  private get queueEnv() {
    return { AMQP_URL, QUEUE_PREFIX: this.prefix };
  }

  async startApi(): Promise<ServiceProcess> {
    this.api = this.spawn('api', {
      ...this.queueEnv,
      PORT: String(this.apiPort),
      HOST: '127.0.0.1',
      BCRYPT_COST: '4',
      MAX_TASKS_IN_FLIGHT: '1000',
      REGISTRATIONS_PER_MINUTE: '1000',
      ...this.options.apiEnv,
    });
    await this.api.waitForLine((line) => line.msg === 'API listening', 'API listening');
    return this.api;
  }

  /** Starts a worker and waits until its /readyz answers 200 (it consumes). */
  async startWorker(kind: 'code' | 'image', env: Record<string, string> = {}): Promise<ServiceProcess> {
    const worker = this.spawn(kind, {
      ...this.queueEnv,
      API_URL: this.apiProxy?.address ?? this.apiUrl,
      HEALTH_PORT: '0',
      CONCURRENCY: '2',
      COMMIT_HOLD: '3m',
      ...(kind === 'code' ? { DOCKER_SOCKET: this.dockerProxy?.address ?? DOCKER_SOCKET } : {}),
      ...(process.env.SANDBOX_IMAGE ? { SANDBOX_IMAGE: process.env.SANDBOX_IMAGE } : {}),
      ...this.options.workerEnv,
      ...env,
    });
    const line = await worker.waitForLine((l) => l.msg === 'health endpoint listening', 'its health endpoint', 120_000);
    await this.waitReady(worker, String(line.url));
    return worker;
  }

  healthUrl(worker: ServiceProcess): string {
    return String(worker.lines.find((l) => l.msg === 'health endpoint listening')?.url);
  }

  async waitReady(worker: ServiceProcess, url = this.healthUrl(worker), timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = await fetch(`${url}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (!worker.alive) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${worker.name} not ready within ${timeoutMs} ms; log: ${worker.logFile}`);
  }

  private spawn(kind: ServiceKind, env: Record<string, string>): ServiceProcess {
    const name = `${kind}-${this.processes.filter((p) => p.kind === kind).length + 1}`;
    const service = new ServiceProcess(kind, name, env, join(this.logDir, `${name}.log`));
    this.processes.push(service);
    return service;
  }

  private async watchSandboxes(): Promise<void> {
    this.events = (await docker.getEvents({
      filters: { type: ['container'], event: ['create'], label: [`conveyor.deployment=${this.deployment}`] },
    })) as NodeJS.ReadableStream;
    let buffered = '';
    this.events.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const text = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        try {
          const event = JSON.parse(text) as { Actor?: { Attributes?: Record<string, string> } };
          const task = event.Actor?.Attributes?.['conveyor.task_id'];
          if (task) this.creations.set(task, (this.creations.get(task) ?? 0) + 1);
        } catch {
          // a partial line: the next chunk completes it
        }
      }
    });
  }

  /** This deployment's sandbox containers, running or not. */
  async containers() {
    return docker.listContainers({ all: true, filters: { label: [`conveyor.deployment=${this.deployment}`] } });
  }

  /** A connection on this stack's broker names (for raw publishes and queue depths), named with its prefix. */
  broker(): Connection {
    if (!this.admin) {
      this.admin = new Connection({ url: AMQP_URL, connectionName: `${this.prefix}.suite` });
      this.admin.on('error', () => {});
    }
    return this.admin;
  }

  topology() {
    return createTopology({ prefix: this.prefix });
  }

  async messagesIn(queue: string): Promise<number> {
    const { messageCount } = await this.broker().queueDeclare({ queue, passive: true });
    return messageCount;
  }

  async teardown(): Promise<void> {
    await Promise.allSettled(this.processes.map((p) => p.stop()));
    await Promise.allSettled([this.apiProxy?.close(), this.dockerProxy?.close()]);
    (this.events as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    for (const c of await this.containers().catch(() => [])) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
    }
    const admin = this.broker();
    await deleteTopology(admin, this.topology()).catch(() => {});
    await admin.close().catch(() => {});
  }
}
