/**
 * Every setting of every Conveyor service, in one declarative table: its name, default, bounds, meaning and
 * the services that read it. Services read their subset with EnvReader.setting(); docs/configuration.md is
 * generated from this table (`npm run docs:config`) and checked for staleness by `make test`.
 */
import { DEFAULT_MAX_MESSAGE_BYTES } from '../broker/message-size.js';
import { DEFAULT_DELIVERY_LIMIT, DEFAULT_QUEUE_MAX_LENGTH } from '../broker/topology.js';
import { DEFAULT_IMAGE_COST_BUDGET } from '../contract/image-task.js';
import { LOG_LEVELS } from '../logger.js';
import { DEFAULT_COMMIT_RETRY_MS } from '../worker/commit-client.js';
import { defineSettings, SERVICES, type Service } from './setting.js';

const MiB = 1024 * 1024;
const SECOND = 1000;
const HOUR = 3_600_000;
const ALL: readonly Service[] = SERVICES;
const WORKERS: readonly Service[] = ['code-processor', 'image-processor'];
const API: readonly Service[] = ['api'];
const CODE: readonly Service[] = ['code-processor'];
const IMAGE_CAPS: readonly Service[] = ['api', 'image-processor'];

export const SETTINGS = defineSettings({
  // Server
  PORT: { group: 'Server', kind: 'int', default: 8000, min: 0, max: 65535, services: API, description: 'HTTP port' },
  HOST: {
    group: 'Server',
    kind: 'string',
    default: '127.0.0.1',
    services: API,
    description: 'address to listen on (`0.0.0.0` in containers)',
  },
  LOG_LEVEL: {
    group: 'Server',
    kind: 'choice',
    choices: LOG_LEVELS,
    default: 'info',
    services: ALL,
    description: 'pino level; `LOG_PRETTY=1` for readable lines in development',
  },
  SHUTDOWN_GRACE: {
    group: 'Server',
    kind: 'duration',
    default: 30 * SECOND,
    defaultFor: { api: 10 * SECOND },
    services: ALL,
    description: 'on SIGTERM: how long in-flight work may finish',
  },
  REQUEST_TIMEOUT: {
    group: 'Server',
    kind: 'duration',
    default: 30 * SECOND,
    minMs: 100,
    services: API,
    description: 'time for a whole request (headers and body) to arrive; past it 408 and the connection is closed',
  },
  CONNECTIONS_PER_ADDRESS: {
    group: 'Server',
    kind: 'int',
    default: 64,
    min: 0,
    services: API,
    description:
      'open connections per client (TCP peer) address; `0` = no cap (behind a reverse proxy every client shares its address: raise it, cap at the proxy)',
  },
  METRICS_TOKEN: {
    group: 'Server',
    kind: 'optional',
    secret: true,
    services: API,
    description:
      '**unset: `GET /metrics` answers only loopback clients** (not forwarded by a proxy), 403 otherwise; set: it needs `Authorization: Bearer <token>` from anywhere',
  },

  // Accounts and sessions
  BCRYPT_COST: {
    group: 'Accounts',
    kind: 'int',
    default: 12,
    min: 4,
    max: 15,
    services: API,
    description: 'bcrypt cost factor',
  },
  SESSION_TTL: {
    group: 'Accounts',
    kind: 'duration',
    default: 24 * HOUR,
    minMs: SECOND,
    services: API,
    description: 'session lifetime; expired sessions are purged every minute',
  },
  COOKIE_SECURE: {
    group: 'Accounts',
    kind: 'bool',
    default: false,
    services: API,
    description:
      'always mark the session cookie `Secure`; it is marked anyway on a request that came over HTTPS (with `TRUST_PROXY`: `X-Forwarded-Proto: https`)',
  },
  PUBLIC_URL: {
    group: 'Accounts',
    kind: 'optional',
    services: API,
    description:
      "the API's public URL; the cookie origin check compares `Origin` with it (and `TRUSTED_ORIGINS`). **Unset:** the request's own scheme and `Host` count as the API's origin, so set it on a public deployment",
  },
  TRUSTED_ORIGINS: {
    group: 'Accounts',
    kind: 'string',
    default: '',
    services: API,
    description: 'extra origins (comma-separated) allowed to send cookie-authenticated POSTs',
  },
  TRUST_PROXY: {
    group: 'Accounts',
    kind: 'bool',
    default: false,
    services: API,
    description: 'trust `X-Forwarded-For` (client address for the throttles) and `X-Forwarded-Proto`',
  },
  LOGIN_FAILURES_PER_MINUTE: {
    group: 'Accounts',
    kind: 'int',
    default: 10,
    min: 1,
    services: API,
    description:
      'failed logins (and `/register` 409s) per (username, address) and per address before 429; per username across addresses, past this many each login is delayed instead (never locked)',
  },
  LOGIN_DELAY_MAX: {
    group: 'Accounts',
    kind: 'duration',
    default: 3 * SECOND,
    minMs: 0,
    services: API,
    description:
      "the longest delay a username's logins get after failures from many addresses (250 ms, doubling per failure)",
  },
  REGISTRATIONS_PER_MINUTE: {
    group: 'Accounts',
    kind: 'int',
    default: 60,
    min: 1,
    services: API,
    description: 'registrations per client address before 429',
  },

  // Tasks and results
  MAX_TASKS_IN_FLIGHT: {
    group: 'Tasks',
    kind: 'int',
    default: 20,
    min: 1,
    services: API,
    description: 'tasks one user may have queued or running; past it `POST /task` is 429 with `Retry-After`',
  },
  LONG_POLL_WAITERS_PER_USER: {
    group: 'Tasks',
    kind: 'int',
    default: 20,
    min: 1,
    services: API,
    description:
      'long-polls (`?wait=N` on `/status`, `/result`) one user may hold open on one API process; past it 429',
  },
  LONG_POLL_WAITERS: {
    group: 'Tasks',
    kind: 'int',
    default: 2000,
    min: 1,
    services: API,
    description: 'long-polls one API process holds open at once, all users together; past it 429',
  },
  TASK_TTL: {
    group: 'Tasks',
    kind: 'duration',
    default: 24 * HOUR,
    minMs: SECOND,
    services: API,
    description: 'how long finished tasks are kept',
  },
  RESULT_BYTE_BUDGET: {
    group: 'Tasks',
    kind: 'int',
    default: 512 * MiB,
    min: MiB,
    services: API,
    description:
      'RAM for results; past it the oldest finished tasks **of the user holding the most** are dropped first',
  },

  // Store
  DATABASE_URL: {
    group: 'Store',
    kind: 'optional',
    secret: true,
    services: API,
    description:
      'PostgreSQL (`postgres://user:password@host:5432/db`) for users, sessions, tasks and throttles, shared by API replicas; unset = RAM (one process, lost on restart)',
  },
  DATABASE_SCHEMA: {
    group: 'Store',
    kind: 'string',
    default: 'public',
    services: API,
    description: 'the schema holding Conveyor’s tables (created if missing; migrations apply at start)',
  },
  DATABASE_POOL_SIZE: {
    group: 'Store',
    kind: 'int',
    default: 10,
    min: 1,
    max: 100,
    services: API,
    description: 'connections each API process opens to PostgreSQL (plus one for LISTEN)',
  },

  // Queue
  AMQP_URL: {
    group: 'Queue',
    kind: 'optional',
    secret: true,
    services: ALL,
    description: 'RabbitMQ; unset = embedded in-process queue (`npm start` only)',
  },
  QUEUE_PREFIX: {
    group: 'Queue',
    kind: 'string',
    default: '',
    services: ALL,
    description:
      'prepended with a dot to every exchange, queue and connection name (`ft` → `ft.conveyor.tasks.code`; `ft.` is the same prefix); dot-separated words of `A-Z a-z 0-9 _ -`, at most 63 characters',
  },
  DELIVERY_LIMIT: {
    group: 'Queue',
    kind: 'int',
    default: DEFAULT_DELIVERY_LIMIT,
    min: 0,
    max: 1000,
    services: ALL,
    description: 'redeliveries before a message is dead-lettered (quorum `x-delivery-limit`)',
  },
  QUEUE_MAX_LENGTH: {
    group: 'Queue',
    kind: 'int',
    default: DEFAULT_QUEUE_MAX_LENGTH,
    min: 1,
    services: ALL,
    description:
      'messages a work queue holds, each lane its own (`x-max-length`, `reject-publish`); past it `POST /task` is 503 `queue_full` with `Retry-After`. Changing it on an existing queue needs the queue deleted (RabbitMQ refuses other arguments)',
  },
  AMQP_MAX_MESSAGE_BYTES: {
    group: 'Queue',
    kind: 'int',
    default: DEFAULT_MAX_MESSAGE_BYTES,
    min: 1024,
    services: ALL,
    description: "the broker's `max_message_size`; the API refuses to start if its largest task would not fit",
  },
  PUBLISH_TIMEOUT: {
    group: 'Queue',
    kind: 'duration',
    default: 5 * SECOND,
    minMs: 100,
    services: ALL,
    description: "how long a publish waits for the broker's confirm (`POST /task` answers 503 past it)",
  },

  // Workers
  API_URL: {
    group: 'Workers',
    kind: 'string',
    default: 'http://127.0.0.1:8000',
    services: WORKERS,
    description: 'where `POST /commit` is',
  },
  COMMIT_HOLD: {
    group: 'Workers',
    kind: 'duration',
    default: DEFAULT_COMMIT_RETRY_MS,
    minMs: SECOND,
    // RabbitMQ's default consumer_timeout is 30 min; a hold (plus the task's own run) must end well before it.
    maxMs: 25 * 60 * SECOND,
    services: WORKERS,
    description:
      "how long a worker holds a result the API does not take (down, unreachable, 5xx), retrying with back-off, the message unacked (no delivery burned, the task not re-run); then the task goes back to the queue. At most `25m`: RabbitMQ's `consumer_timeout` (30 min by default) closes a channel whose message stays unacked longer",
  },
  CONCURRENCY: {
    group: 'Workers',
    kind: 'int',
    default: 0,
    defaultText: 'the number of CPUs',
    min: 1,
    max: 256,
    services: WORKERS,
    description: 'tasks at once (and prefetch)',
  },
  HEALTH_PORT: {
    group: 'Workers',
    kind: 'int',
    default: 0,
    defaultFor: { 'code-processor': 8081, 'image-processor': 8082 },
    min: -1,
    max: 65535,
    services: WORKERS,
    description:
      '`/healthz` (503 when a task is stuck far past its limits: restart it), `/readyz` (the broker, the API, Docker), `/metrics`; `0` = a free port, `-1` = off',
  },
  HEALTH_HOST: {
    group: 'Workers',
    kind: 'string',
    default: '127.0.0.1',
    services: WORKERS,
    description: 'address of the health endpoint (`0.0.0.0` in containers)',
  },

  // Images
  MAX_IMAGE_BYTES: {
    group: 'Images',
    kind: 'int',
    default: 10 * MiB,
    min: 1024,
    max: 64 * MiB,
    services: IMAGE_CAPS,
    description: 'largest PNG accepted (bytes); the API and the image-processor enforce the same cap',
  },
  MAX_IMAGE_PIXELS: {
    group: 'Images',
    kind: 'int',
    default: 40_000_000,
    min: 1,
    max: 268_402_689,
    services: IMAGE_CAPS,
    description: 'largest PNG accepted (width × height)',
  },
  IMAGE_COST_BUDGET: {
    group: 'Images',
    kind: 'int',
    default: DEFAULT_IMAGE_COST_BUDGET,
    min: 1,
    services: API,
    description:
      'largest image task: width × height × Σ kernel size of its steps (Blur/Sharpen: 2·⌈3σ⌉+1, others 1); over it `POST /task` is 413 naming `filter`/`filters`',
  },
  IMAGE_TASK_DEADLINE: {
    group: 'Images',
    kind: 'duration',
    default: 60 * SECOND,
    minMs: 100,
    services: ['image-processor'],
    description:
      'the most one image task may take; past it the filter thread is stopped and the task is `failed` with `time_limit`',
  },

  // Code sandbox
  SANDBOX_IMAGE: {
    group: 'Code sandbox',
    kind: 'string',
    default: 'conveyor-sandbox:latest',
    services: CODE,
    description: 'the sandbox image',
  },
  DOCKER_SOCKET: {
    group: 'Code sandbox',
    kind: 'string',
    default: '/var/run/docker.sock',
    services: CODE,
    description: "the engine's socket",
  },
  DOCKER_HOST: {
    group: 'Code sandbox',
    kind: 'optional',
    services: CODE,
    description:
      "the engine's address (`tcp://…`, with `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`); wins over `DOCKER_SOCKET`",
  },
  DEPLOYMENT_ID: {
    group: 'Code sandbox',
    kind: 'optional',
    defaultText: '`QUEUE_PREFIX`, or `default` when that is empty',
    services: CODE,
    description:
      "the deployment label on sandbox containers; the sweeper removes only its own deployment's (1–63 of `[a-zA-Z0-9_.-]`)",
  },
  RUN_TIME_LIMIT: {
    group: 'Code sandbox',
    kind: 'duration',
    default: 5 * SECOND,
    minMs: 100,
    services: CODE,
    description: 'run wall time when a task does not ask',
  },
  RUN_TIME_CAP: {
    group: 'Code sandbox',
    kind: 'duration',
    default: 15 * SECOND,
    minMs: 100,
    services: CODE,
    description: 'the most run wall time a task may ask for',
  },
  MEMORY_LIMIT_MB: {
    group: 'Code sandbox',
    kind: 'int',
    default: 256,
    min: 16,
    services: CODE,
    description: 'run memory (swap off) when a task does not ask',
  },
  MEMORY_CAP_MB: {
    group: 'Code sandbox',
    kind: 'int',
    default: 1024,
    min: 16,
    services: CODE,
    description: 'the most run memory a task may ask for',
  },
  TOTAL_TIME_LIMIT: {
    group: 'Code sandbox',
    kind: 'duration',
    default: 60 * SECOND,
    minMs: 100,
    services: CODE,
    description: 'wall time for all of a task (compile and every test) when it does not ask',
  },
  TOTAL_TIME_CAP: {
    group: 'Code sandbox',
    kind: 'duration',
    default: 120 * SECOND,
    minMs: 100,
    services: CODE,
    description: 'the most total wall time a task may ask for',
  },
  COMPILE_TIME_LIMIT: {
    group: 'Code sandbox',
    kind: 'duration',
    default: 10 * SECOND,
    minMs: 100,
    services: CODE,
    description: 'compile wall time (a task cannot change it)',
  },
  COMPILE_MEMORY_MB: {
    group: 'Code sandbox',
    kind: 'int',
    default: 256,
    min: 64,
    services: CODE,
    description: 'compile memory (a task cannot change it)',
  },
  SANDBOX_CPUS: {
    group: 'Code sandbox',
    kind: 'int',
    default: 1,
    min: 1,
    max: 64,
    services: CODE,
    description: 'CPU cores per sandbox',
  },
  SANDBOX_PIDS: {
    group: 'Code sandbox',
    kind: 'int',
    default: 64,
    min: 8,
    max: 4096,
    services: CODE,
    description: 'processes and threads per sandbox (cgroup pids limit)',
  },
  SANDBOX_POOL_SIZE: {
    group: 'Code sandbox',
    kind: 'int',
    default: 0,
    defaultText: "the worker's `CONCURRENCY`",
    min: 0,
    max: 256,
    services: CODE,
    description:
      'warm sandbox containers kept started, each waiting for one task (never reused); `0` = none, every task creates its own',
  },
  OUTPUT_LIMIT_BYTES: {
    group: 'Code sandbox',
    kind: 'int',
    default: 64 * 1024,
    min: 1024,
    services: CODE,
    description: 'bytes kept per output stream (stdout, stderr, compiler output); past it the program is stopped',
  },
  FILES_LIMIT_BYTES: {
    group: 'Code sandbox',
    kind: 'int',
    default: 16 * MiB,
    min: MiB,
    services: CODE,
    description: 'bytes a program may write to files (the work directory and the largest file)',
  },
  SWEEP_INTERVAL: {
    group: 'Code sandbox',
    kind: 'duration',
    default: 60 * SECOND,
    minMs: SECOND,
    services: CODE,
    description: 'how often leftover containers are swept',
  },
});

export type SettingName = keyof typeof SETTINGS;
