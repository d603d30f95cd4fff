/** The API's settings, read from the environment and validated at start (see the README's table). */
import { EnvReader, messageSizeBudget, type QueueSettings, readQueueSettings } from '@conveyor/shared';

export interface ApiConfig {
  port: number;
  host: string;
  logLevel: string;
  bcryptCost: number;
  sessionTtlMs: number;
  /** Trust X-Forwarded-For from a reverse proxy in front of the API. */
  trustProxy: boolean;
  /** Set the cookie's Secure flag (serve over HTTPS). */
  cookieSecure: boolean;
  /** Extra origins allowed to send cookie-authenticated state-changing requests (besides the API's own). */
  trustedOrigins: string[];
  maxImageBytes: number;
  maxImagePixels: number;
  /** Largest POST /commit body (image results can be larger than their input). */
  maxCommitBytes: number;
  finishedTaskTtlMs: number;
  resultByteBudget: number;
  loginFailuresPerMinute: number;
  registrationsPerMinute: number;
  /** When set, GET /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | undefined;
  queue: QueueSettings;
  shutdownGraceMs: number;
}

const MiB = 1024 * 1024;

export function readApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const read = new EnvReader(env);
  const config: ApiConfig = {
    port: read.int('PORT', 8000, { min: 0, max: 65535 }),
    host: read.string('HOST', '127.0.0.1'),
    logLevel: read.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
    bcryptCost: read.int('BCRYPT_COST', 12, { min: 4, max: 15 }),
    sessionTtlMs: read.duration('SESSION_TTL', 24 * 3_600_000, { minMs: 1000 }),
    trustProxy: read.bool('TRUST_PROXY', false),
    cookieSecure: read.bool('COOKIE_SECURE', false),
    trustedOrigins: read
      .string('TRUSTED_ORIGINS', '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    maxImageBytes: read.int('MAX_IMAGE_BYTES', 10 * MiB, { min: 1024, max: 64 * MiB }),
    maxImagePixels: read.int('MAX_IMAGE_PIXELS', 40_000_000, { min: 1, max: 268_402_689 }),
    maxCommitBytes: read.int('MAX_COMMIT_BYTES', 64 * MiB, { min: MiB, max: 512 * MiB }),
    finishedTaskTtlMs: read.duration('TASK_TTL', 24 * 3_600_000, { minMs: 1000 }),
    resultByteBudget: read.int('RESULT_BYTE_BUDGET', 512 * MiB, { min: MiB }),
    loginFailuresPerMinute: read.int('LOGIN_FAILURES_PER_MINUTE', 10, { min: 1 }),
    registrationsPerMinute: read.int('REGISTRATIONS_PER_MINUTE', 60, { min: 1 }),
    metricsToken: read.optionalString('METRICS_TOKEN'),
    queue: readQueueSettings(read),
    shutdownGraceMs: read.duration('SHUTDOWN_GRACE', 10_000, { minMs: 0 }),
  };
  // Inputs travel inside the message: the largest image the API accepts must fit the broker's limit.
  const budget = messageSizeBudget(config.maxImageBytes, config.queue.maxMessageBytes);
  if (!budget.fits) {
    read.fail(
      `MAX_IMAGE_BYTES=${config.maxImageBytes} does not fit a ${config.queue.maxMessageBytes}-byte broker message ` +
        `(base64 plus envelope: ${budget.largestImageMessageBytes} bytes); the largest that fits is ${budget.maxImageBytesThatFit}`,
    );
  }
  read.done();
  return config;
}
