/** The API's settings, read from the environment and validated at start (see the README's table). */
import {
  assertMessageSizeBudget,
  DEFAULT_IMAGE_COST_BUDGET,
  EnvReader,
  LOG_LEVELS,
  largestCommitBytes,
  type QueueSettings,
  readImageLimits,
  readQueueSettings,
} from '@conveyor/shared';

export interface ApiConfig {
  port: number;
  host: string;
  logLevel: string;
  bcryptCost: number;
  sessionTtlMs: number;
  /** Trust X-Forwarded-For from a reverse proxy in front of the API. */
  trustProxy: boolean;
  /** Set the cookie's Secure flag always (it is set anyway on a request that came over HTTPS). */
  cookieSecure: boolean;
  /** The API's public origin (from PUBLIC_URL); when set, the origin check uses it instead of the Host header. */
  publicOrigin: string | undefined;
  /** Extra origins allowed to send cookie-authenticated state-changing requests (besides the API's own). */
  trustedOrigins: string[];
  /** Time for a whole request (headers and body) to arrive; past it the connection is answered 408 and closed. */
  requestTimeoutMs: number;
  /** Open connections from one client address at once; 0 = no cap. */
  connectionsPerAddress: number;
  /** Tasks one user may have in flight (queued plus running); past it POST /task is 429. */
  maxTasksInFlight: number;
  /** Largest image task cost, width × height × Σ kernel size of its steps; past it POST /task is 413. */
  imageCostBudget: number;
  /** Longest delay added to a login for a username that many addresses failed on (instead of locking it). */
  loginDelayMaxMs: number;
  maxImageBytes: number;
  maxImagePixels: number;
  /** Largest POST /commit body: the largest result that can exist (see largestCommitBytes). */
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
  const imageLimits = readImageLimits(read);
  const config: ApiConfig = {
    port: read.int('PORT', 8000, { min: 0, max: 65535 }),
    host: read.string('HOST', '127.0.0.1'),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    bcryptCost: read.int('BCRYPT_COST', 12, { min: 4, max: 15 }),
    sessionTtlMs: read.duration('SESSION_TTL', 24 * 3_600_000, { minMs: 1000 }),
    trustProxy: read.bool('TRUST_PROXY', false),
    cookieSecure: read.bool('COOKIE_SECURE', false),
    publicOrigin: originOf(read, 'PUBLIC_URL'),
    trustedOrigins: read
      .string('TRUSTED_ORIGINS', '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    requestTimeoutMs: read.duration('REQUEST_TIMEOUT', 30_000, { minMs: 100 }),
    connectionsPerAddress: read.int('CONNECTIONS_PER_ADDRESS', 64, { min: 0 }),
    maxTasksInFlight: read.int('MAX_TASKS_IN_FLIGHT', 20, { min: 1 }),
    imageCostBudget: read.int('IMAGE_COST_BUDGET', DEFAULT_IMAGE_COST_BUDGET, { min: 1 }),
    loginDelayMaxMs: read.duration('LOGIN_DELAY_MAX', 3000, { minMs: 0 }),
    maxImageBytes: imageLimits.maxBytes,
    maxImagePixels: imageLimits.maxPixels,
    maxCommitBytes: 0, // derived below from the image caps
    finishedTaskTtlMs: read.duration('TASK_TTL', 24 * 3_600_000, { minMs: 1000 }),
    resultByteBudget: read.int('RESULT_BYTE_BUDGET', 512 * MiB, { min: MiB }),
    loginFailuresPerMinute: read.int('LOGIN_FAILURES_PER_MINUTE', 10, { min: 1 }),
    registrationsPerMinute: read.int('REGISTRATIONS_PER_MINUTE', 60, { min: 1 }),
    metricsToken: read.optionalString('METRICS_TOKEN'),
    queue: readQueueSettings(read),
    shutdownGraceMs: read.duration('SHUTDOWN_GRACE', 10_000, { minMs: 0 }),
  };
  // Inputs travel inside the message: the largest image the API accepts must fit the broker's limit.
  try {
    assertMessageSizeBudget(config.maxImageBytes, config.queue.maxMessageBytes);
  } catch (error) {
    read.fail((error as Error).message);
  }
  config.maxCommitBytes = largestCommitBytes(config.maxImagePixels);
  read.done();
  return config;
}

/** The origin (scheme://host[:port]) of a URL setting, or undefined when unset. */
function originOf(read: EnvReader, name: string): string | undefined {
  const raw = read.optionalString(name);
  if (raw === undefined) return undefined;
  try {
    return new URL(raw).origin;
  } catch {
    read.fail(`${name}=${JSON.stringify(raw)}: expected a URL such as https://tasks.example.org`);
    return undefined;
  }
}
