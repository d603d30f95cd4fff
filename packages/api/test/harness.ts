/** Builds the API with RAM storage and a controllable publisher, for HTTP tests through `inject`. */
import { crc32, deflateSync } from 'node:zlib';
import { createLogger, PublishError, type TaskMessage, type TaskPublisher } from '@conveyor/shared';
import { Registry } from 'prom-client';
import { AccountService } from '../src/accounts/account-service.js';
import { MemoryAuthStorage } from '../src/accounts/memory-auth-storage.js';
import { PasswordHasher } from '../src/accounts/password-hasher.js';
import { RateLimiter } from '../src/accounts/rate-limiter.js';
import { buildApp } from '../src/app.js';
import { MemoryTaskStore } from '../src/tasks/memory-task-store.js';
import { TaskService } from '../src/tasks/task-service.js';

/** Records what the API publishes; `failNext` makes publishing fail as a refused confirm would. */
export class RecordingPublisher implements TaskPublisher {
  readonly published: TaskMessage[] = [];
  failing = false;
  async publish(message: TaskMessage): Promise<void> {
    if (this.failing) throw new PublishError('confirm refused');
    this.published.push(message);
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
  now?: () => Date;
}

export async function buildHarness(options: HarnessOptions = {}) {
  const now = options.now ?? (() => new Date());
  const logger = createLogger({ service: 'api-test', level: 'silent', pretty: false });
  const store = new MemoryTaskStore({ finishedTtlMs: 3_600_000, byteBudget: 64 * 1024 * 1024 });
  const publisher = new RecordingPublisher();
  const minute = 60_000;
  const clock = () => now().getTime();
  const accounts = new AccountService(
    new MemoryAuthStorage(),
    new PasswordHasher(4),
    {
      loginPerUser: new RateLimiter(options.loginFailuresPerMinute ?? 10, minute, clock),
      loginPerAddress: new RateLimiter(options.loginFailuresPerMinute ?? 10, minute, clock),
      registerPerAddress: new RateLimiter(options.registrationsPerMinute ?? 60, minute, clock),
    },
    options.sessionTtlMs ?? 3_600_000,
    now,
  );
  const tasks = new TaskService(store, publisher, logger, now);
  const app = await buildApp({
    logger,
    accounts,
    tasks,
    store,
    publisher,
    registry: new Registry(),
    settings: {
      cookieSecure: false,
      trustedOrigins: [],
      imageLimits: { maxBytes: options.maxImageBytes ?? 1024 * 1024, maxPixels: options.maxImagePixels ?? 4_000_000 },
      maxCommitBytes: 8 * 1024 * 1024,
      metricsToken: options.metricsToken,
    },
  });
  await app.ready();

  async function login(username = `user${Math.random().toString(36).slice(2, 10)}`, password = 'password123') {
    await app.inject({ method: 'POST', url: '/register', payload: { username, password } });
    const res = await app.inject({ method: 'POST', url: '/login', payload: { username, password } });
    const token = res.json().token as string;
    return { username, password, token, auth: { authorization: `Bearer ${token}` } };
  }

  return { app, store, publisher, accounts, login };
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
