/**
 * A worker process that takes one task and hangs in the middle of it, so a test can kill it (SIGKILL: no
 * ack, no clean close) and check that the broker gives the task to another worker.
 * Env: AMQP_URL, PREFIX, DELIVERY_LIMIT, API_URL. Prints `started <task_id>` once it is mid-task.
 */
import { CommitClient, createLogger, createRabbitTaskQueue, Worker } from '@conveyor/shared';

const log = createLogger({ service: 'dying-worker', level: 'silent' });
const queue = createRabbitTaskQueue({
  url: process.env.AMQP_URL!,
  prefix: process.env.PREFIX!,
  deliveryLimit: Number(process.env.DELIVERY_LIMIT),
  log,
  connectionName: `${process.env.PREFIX}dying-worker`,
});
const worker = new Worker({
  type: 'code',
  queue,
  committer: new CommitClient({ apiUrl: process.env.API_URL! }),
  log,
  handler: async (message) => {
    process.stdout.write(`started ${message.task_id}\n`);
    return new Promise(() => {}); // never finishes: the test kills this process here
  },
});
worker.run();
