/** The API's settings, read from the environment and validated at start (see docs/configuration.md). */
import {
  assertMessageSizeBudget,
  EnvReader,
  largestCommitBytes,
  type QueueSettings,
  readImageLimits,
  readQueueSettings,
  SETTINGS,
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
  /** Long-polls (`?wait=N`) held open at once: per user, and in all on this process. */
  longPollWaiters: { perUser: number; perProcess: number };
  /** PostgreSQL for users, sessions, tasks and throttles (shared by replicas); unset: RAM, this process only. */
  database: DatabaseConfig | undefined;
  shutdownGraceMs: number;
}

export interface DatabaseConfig {
  url: string;
  schema: string;
  poolSize: number;
}

export function readApiConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const read = new EnvReader(env);
  const imageLimits = readImageLimits(read);
  const config: ApiConfig = {
    port: read.setting(SETTINGS.PORT),
    host: read.setting(SETTINGS.HOST),
    logLevel: read.setting(SETTINGS.LOG_LEVEL),
    bcryptCost: read.setting(SETTINGS.BCRYPT_COST),
    sessionTtlMs: read.setting(SETTINGS.SESSION_TTL),
    trustProxy: read.setting(SETTINGS.TRUST_PROXY),
    cookieSecure: read.setting(SETTINGS.COOKIE_SECURE),
    publicOrigin: originOf(read, read.setting(SETTINGS.PUBLIC_URL)),
    trustedOrigins: read
      .setting(SETTINGS.TRUSTED_ORIGINS)
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    requestTimeoutMs: read.setting(SETTINGS.REQUEST_TIMEOUT),
    connectionsPerAddress: read.setting(SETTINGS.CONNECTIONS_PER_ADDRESS),
    maxTasksInFlight: read.setting(SETTINGS.MAX_TASKS_IN_FLIGHT),
    imageCostBudget: read.setting(SETTINGS.IMAGE_COST_BUDGET),
    loginDelayMaxMs: read.setting(SETTINGS.LOGIN_DELAY_MAX),
    maxImageBytes: imageLimits.maxBytes,
    maxImagePixels: imageLimits.maxPixels,
    maxCommitBytes: 0, // derived below from the image caps
    finishedTaskTtlMs: read.setting(SETTINGS.TASK_TTL),
    resultByteBudget: read.setting(SETTINGS.RESULT_BYTE_BUDGET),
    loginFailuresPerMinute: read.setting(SETTINGS.LOGIN_FAILURES_PER_MINUTE),
    registrationsPerMinute: read.setting(SETTINGS.REGISTRATIONS_PER_MINUTE),
    metricsToken: read.setting(SETTINGS.METRICS_TOKEN),
    longPollWaiters: {
      perUser: read.setting(SETTINGS.LONG_POLL_WAITERS_PER_USER),
      perProcess: read.setting(SETTINGS.LONG_POLL_WAITERS),
    },
    queue: readQueueSettings(read),
    database: readDatabaseConfig(read),
    shutdownGraceMs: read.setting(SETTINGS.SHUTDOWN_GRACE, 'api'),
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

/** The origin (scheme://host[:port]) of PUBLIC_URL, or undefined when unset. */
function originOf(read: EnvReader, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return new URL(raw).origin;
  } catch {
    read.fail(`${SETTINGS.PUBLIC_URL.name}=${JSON.stringify(raw)}: expected a URL such as https://tasks.example.org`);
    return undefined;
  }
}

function readDatabaseConfig(read: EnvReader): DatabaseConfig | undefined {
  const url = read.setting(SETTINGS.DATABASE_URL);
  const schema = read.setting(SETTINGS.DATABASE_SCHEMA);
  const poolSize = read.setting(SETTINGS.DATABASE_POOL_SIZE);
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//.test(url)) {
    read.fail(
      `${SETTINGS.DATABASE_URL.name}: expected a postgres:// URL such as postgres://conveyor:secret@db:5432/conveyor`,
    );
  }
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    read.fail(
      `${SETTINGS.DATABASE_SCHEMA.name}=${JSON.stringify(schema)}: expected a lower-case SQL name such as conveyor`,
    );
  }
  return { url, schema, poolSize };
}
