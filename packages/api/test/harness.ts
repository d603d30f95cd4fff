/** Builds the API with RAM storage and a controllable publisher, for HTTP tests through `inject`. */
import { crc32, deflateSync } from 'node:zlib';
import {
  createInProcessControlBus,
  createLogger,
  PublishError,
  type TaskLane,
  type TaskMessage,
  type TaskPublisher,
  type WorkerQueries,
} from '@conveyor/shared';
import { Registry } from 'prom-client';
import { createApiServer } from '../src/api-server.js';
import { readApiConfig } from '../src/config.js';

/** Records what the API publishes; set `failing` to make publishing fail as a refused confirm would. */
export class RecordingPublisher implements TaskPublisher {
  readonly published: TaskMessage[] = [];
  /** The lane of each published message, by task id. */
  readonly lanes = new Map<string, TaskLane>();
  failing = false;
  async publish(message: TaskMessage, lane: TaskLane = 'rest'): Promise<void> {
    if (this.failing) throw new PublishError('confirm refused');
    this.published.push(message);
    this.lanes.set(message.task_id, lane);
  }
  isReady(): boolean {
    return !this.failing;
  }
  async close(): Promise<void> {}
}

export interface HarnessOptions {
  sessionTtlMs?: number;
  loginFailuresPerMinute?: number;
  registrationsPerMinute?: number;
  maxImageBytes?: number;
  maxImagePixels?: number;
  metricsToken?: string;
  maxTasksInFlight?: number;
  imageCostBudget?: number;
  resultByteBudget?: number;
  loginDelayMaxMs?: number;
  /** More settings, as environment variables. */
  env?: Record<string, string>;
  now?: () => Date;
  /** Questions to the workers (GET /languages); none answers unless given. */
  queries?: WorkerQueries;
}

export async function buildHarness(options: HarnessOptions = {}) {
  const env: Record<string, string | undefined> = {
    BCRYPT_COST: '4',
    SESSION_TTL: options.sessionTtlMs === undefined ? undefined : `${options.sessionTtlMs}ms`,
    LOGIN_FAILURES_PER_MINUTE: options.loginFailuresPerMinute?.toString(),
    REGISTRATIONS_PER_MINUTE: options.registrationsPerMinute?.toString(),
    MAX_IMAGE_BYTES: String(options.maxImageBytes ?? 1024 * 1024),
    MAX_IMAGE_PIXELS: String(options.maxImagePixels ?? 4_000_000),
    METRICS_TOKEN: options.metricsToken,
    MAX_TASKS_IN_FLIGHT: options.maxTasksInFlight?.toString(),
    IMAGE_COST_BUDGET: options.imageCostBudget?.toString(),
    RESULT_BYTE_BUDGET: options.resultByteBudget?.toString(),
    LOGIN_DELAY_MAX: options.loginDelayMaxMs === undefined ? undefined : `${options.loginDelayMaxMs}ms`,
    ...options.env,
  };
  const publisher = new RecordingPublisher();
  const control = createInProcessControlBus();
  const { app, store, accounts, tasks, waiters } = await createApiServer({
    config: readApiConfig(env),
    publisher,
    control,
    logger: createLogger({ service: 'api-test', level: 'silent', pretty: false }),
    registry: new Registry(),
    ...(options.now ? { now: options.now } : {}),
    ...(options.queries ? { queries: options.queries } : {}),
  });
  await app.ready();

  async function login(username = `user${Math.random().toString(36).slice(2, 10)}`, password = 'password123') {
    await app.inject({ method: 'POST', url: '/register', payload: { username, password } });
    const res = await app.inject({ method: 'POST', url: '/login', payload: { username, password } });
    const token = res.json().token as string;
    return { username, password, token, auth: { authorization: `Bearer ${token}` } };
  }

  /**
   * POST /task as `auth` (a code task by default); the task's id and the commit token its message carries.
   * Throws unless the task was created (201).
   */
  async function submitTask(
    auth: Record<string, string>,
    payload: object = { translator: 'python3', code: 'print(1)' },
  ) {
    const res = await app.inject({ method: 'POST', url: '/task', headers: auth, payload });
    if (res.statusCode !== 201) throw new Error(`POST /task answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
    const { task_id } = res.json() as { task_id: string };
    const message = publisher.published.find((m) => m.task_id === task_id)!;
    return { task_id, token: message.commit_token };
  }

  return { app, store, publisher, control, accounts, tasks, waiters, login, submitTask };
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid RGB PNG of the given size (grey pixels), made without an image library. */
export function makePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 3 + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width * 3 + 1)] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Only a PNG header claiming a size, for the pixel cap (the API never decodes the image). */
export function pngHeaderClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)]);
}
