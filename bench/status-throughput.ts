/**
 * GET /status/{id} with a bearer token under load (autocannon, 32 connections): the API's requests per second
 * and latency next to a bare Fastify route returning the same JSON (bench/bare-json-server.ts), measured in
 * the same run, in rounds that alternate the two. Target (issue #12): at least 0.5x the bare route.
 *
 * The API runs as it is deployed: its own process (compiled packages/api/src/main.ts) on the local RabbitMQ under a
 * unique queue prefix (deleted after), at the default LOG_LEVEL (info), its log going to a file, whose size
 * per request is printed (API_LOG_LEVEL=warn runs it without the request log). With PROFILE_DIR set, the API runs
 * under `--cpu-prof` and writes its profile there. COMPARE_WITH=/path/to/another/worktree runs that tree's API
 * too, in the same rounds (an A/B of two versions under the same load from the rest of the machine).
 *
 *   nice node --conditions=conveyor-src --import tsx bench/status-throughput.ts [seconds per round] [rounds]
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, createRabbitTaskQueue } from '@conveyor/shared';
import autocannon from 'autocannon';
import { startBenchReport } from './bench-report.js';
import { benchUserHeaders } from './bench-user.js';
import { deployedEntry, startService, stopService, TSX } from './service-process.js';

const SECONDS = Number(process.argv[2] ?? 3);
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 32;
/** The API's LOG_LEVEL: info, as deployed, unless API_LOG_LEVEL says otherwise (to see what the log costs). */
const LOG_LEVEL = process.env.API_LOG_LEVEL ?? 'info';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** Fixed ports of this bench's range (18600-18699). */
const API_PORT = 18601;
const BARE_PORT = 18602;
const COMPARED_PORT = 18603;
const prefix = `bench-status-${process.pid}.`;
const dir = await mkdtemp(join(tmpdir(), 'conveyor-status-bench-'));

const profile = process.env.PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROFILE_DIR] : [];
/** COMPARE_WITH=/path/to/another/worktree: that tree's API too, on the same kind of task, in the same rounds. */
const COMPARE_WITH = process.env.COMPARE_WITH;

interface Api {
  label: string;
  server: ChildProcess;
  port: number;
  prefix: string;
  log: string;
  taskId: string;
  authorization: string;
  statusJson: string;
}

/** An API from `tree`, as deployed, with a user of its own and one queued task to read. */
async function startApi(label: string, tree: string, port: number): Promise<Api> {
  const apiPrefix = `${prefix}${label}.`;
  const log = join(dir, `${label}.log`);
  const server = await startService(
    [...profile, ...deployedEntry(tree, 'api')],
    { AMQP_URL, QUEUE_PREFIX: apiPrefix, PORT: String(port), BCRYPT_COST: '4', LOG_LEVEL: LOG_LEVEL, LOG_PRETTY: '0' },
    log,
    `http://127.0.0.1:${port}/healthz`,
  );
  const base = `http://127.0.0.1:${port}`;
  const userHeaders = await benchUserHeaders(base);
  const { authorization } = userHeaders;
  const created = await fetch(`${base}/task`, {
    method: 'POST',
    headers: userHeaders,
    body: JSON.stringify({ translator: 'python3', code: 'print(1)' }),
  });
  const { task_id: taskId } = (await created.json()) as { task_id: string };
  const statusJson = await (await fetch(`${base}/status/${taskId}`, { headers: { authorization } })).text();
  return { label, server, port, prefix: apiPrefix, log, taskId, authorization, statusJson };
}

const apis = [await startApi('api', process.cwd(), API_PORT)];
if (COMPARE_WITH) apis.push(await startApi('compared', COMPARE_WITH, COMPARED_PORT));
const [api] = apis as [Api];
const bare = await startService(
  [...TSX, 'bench/bare-json-server.ts', String(BARE_PORT), api.statusJson],
  {},
  join(dir, 'bare.log'),
  `http://127.0.0.1:${BARE_PORT}/status/x`,
);

interface Round {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** The server process's CPU time (user + system) per request, in µs. */
  cpuUs: number;
}

/**
 * CPU time a process has used, in µs (Linux: /proc/PID/stat, in clock ticks of 10 ms). Unlike req/s, it
 * does not depend on how much of the shared machine's CPU the server and the load generator got.
 */
async function cpuTimeUs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command's closing parenthesis.
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** One round of load on a server; `target` names its port, task and token (the bare route takes any). */
async function load(server: ChildProcess, target: Api, port = target.port): Promise<Round> {
  const cpuBefore = await cpuTimeUs(server.pid!);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/status/${target.taskId}`,
    headers: { authorization: target.authorization },
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  return {
    rps: result.requests.total / SECONDS,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
    cpuUs: ((await cpuTimeUs(server.pid!)) - cpuBefore) / result.requests.total,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mid = (rounds: Round[], key: 'rps' | 'cpuUs') => median(rounds.map((r) => r[key]));

const report = startBenchReport('status-throughput', 'GET /status under load next to a bare Fastify route');
try {
  // Warm every server up (JIT, connection pools) before timing.
  for (const each of apis) await load(each.server, each);
  await load(bare, api, BARE_PORT);
  const logBefore = await Promise.all(apis.map(async (each) => (await stat(each.log)).size));
  const rounds = new Map<Api, Round[]>(apis.map((each) => [each, []]));
  const theirs: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // The APIs take turns going first, so neither always runs right after the bare route.
    for (const each of i % 2 === 0 ? apis : [...apis].reverse()) rounds.get(each)!.push(await load(each.server, each));
    theirs.push(await load(bare, api, BARE_PORT));
  }
  const logBytes = await Promise.all(apis.map(async (each, k) => (await stat(each.log)).size - logBefore[k]!));
  const row = (name: string, rounds: Round[]) =>
    `| ${name} | ${mid(rounds, 'rps').toFixed(0)} | ${median(rounds.map((r) => r.p50))} ms | ${median(rounds.map((r) => r.p99))} ms | ${mid(rounds, 'cpuUs').toFixed(0)} µs | ${rounds.map((r) => r.rps.toFixed(0)).join(', ')} |`;
  const nameOf = (each: Api) => `API${each === api ? '' : ` (${COMPARE_WITH})`} (LOG_LEVEL=${LOG_LEVEL})`;
  console.log(
    `# GET /status with a bearer token, autocannon -c ${CONNECTIONS}: ${ROUNDS} rounds of ${SECONDS} s each, alternating (shared, loaded machine)\n`,
  );
  console.log(
    '| server | req/s (median round) | p50 | p99 | server CPU per request | req/s, every round |\n|---|---:|---:|---:|---:|---|',
  );
  for (const each of apis) console.log(row(nameOf(each), rounds.get(each)!));
  console.log(row('bare Fastify route, same JSON', theirs));
  for (const [k, each] of apis.entries()) {
    const ours = rounds.get(each)!;
    const ratio = mid(ours, 'rps') / mid(theirs, 'rps');
    const pairs = ours.map((r, n) => (r.rps / theirs[n]!.rps).toFixed(2)).join(', ');
    // Each round's ratio compares the two servers a few seconds apart, under much the same load from the rest
    // of the machine; their median moves less than the ratio of the two medians when that load swings.
    const pairedRatio = median(ours.map((r, n) => r.rps / theirs[n]!.rps));
    const requests = ours.reduce((sum, r) => sum + r.rps * SECONDS, 0);
    console.log(`\n${nameOf(each)}`);
    console.log(
      `  / bare, req/s: ${ratio.toFixed(2)}x (per round: ${pairs}; median of the rounds ${pairedRatio.toFixed(2)}x; target >= 0.5x)`,
    );
    console.log(`  / bare, requests per CPU second: ${(mid(theirs, 'cpuUs') / mid(ours, 'cpuUs')).toFixed(2)}x`);
    console.log(`  log: ${(logBytes[k]! / requests).toFixed(0)} bytes per request`);
  }
  const failed = [...[...rounds.values()].flat(), ...theirs].reduce((n, r) => n + r.non2xx, 0);
  if (failed > 0) console.log(`WARNING: ${failed} requests failed or answered other than 2xx`);
  const ours = rounds.get(api)!;
  const requests = ours.reduce((sum, r) => sum + r.rps * SECONDS, 0);
  // The report is this tree's figures; a comparison run prints the other tree's beside them above.
  if (!COMPARE_WITH) {
    await report.write(
      `autocannon -c ${CONNECTIONS} on GET /status with a bearer token, ${ROUNDS} rounds of ${SECONDS} s each, alternating with a bare Fastify route returning the same JSON (API LOG_LEVEL=${LOG_LEVEL}); medians of the rounds${failed > 0 ? `; ${failed} requests failed or answered other than 2xx` : ''}`,
      [
        {
          name: 'API, req/s',
          value: mid(ours, 'rps'),
          unit: 'req/s',
          baseline: { name: 'bare route', value: mid(theirs, 'rps') },
          target: { on: 'ratio', min: 0.5 },
        },
        {
          name: 'API, server CPU per request',
          value: mid(ours, 'cpuUs'),
          unit: 'µs',
          baseline: { name: 'bare route', value: mid(theirs, 'cpuUs') },
        },
        { name: 'API log per request', value: logBytes[0]! / requests, unit: 'bytes' },
      ],
    );
  }
} finally {
  for (const each of apis) await stopService(each.server);
  await stopService(bare);
  const log = createLogger({ service: 'bench', level: 'warn', pretty: false });
  for (const each of apis) {
    const queue = createRabbitTaskQueue({
      url: AMQP_URL,
      prefix: each.prefix,
      log,
      connectionName: `${prefix}cleanup`,
    });
    await queue.declareTopology();
    await queue.deleteTopology();
    await queue.close();
  }
  await rm(dir, { recursive: true, force: true });
}
