import { describe } from 'node:test';
import { rabbitFixture, uniquePrefix } from './support/queue-fixture.js';
import { workerQueriesContract } from './support/worker-queries-contract.js';

describe('RabbitMQ worker queries (direct reply-to)', () => {
  workerQueriesContract(rabbitFixture, () => uniquePrefix('hlang'));
});
