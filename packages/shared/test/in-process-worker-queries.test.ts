import { describe } from 'node:test';
import { inProcessFixture } from './support/queue-fixture.js';
import { workerQueriesContract } from './support/worker-queries-contract.js';

describe('in-process worker queries', () => {
  workerQueriesContract(inProcessFixture);
});
