import { describe } from 'node:test';
import { queueContract } from './support/queue-contract.js';
import { inProcessFixture } from './support/queue-fixture.js';

describe('in-process task queue', () => {
  queueContract(inProcessFixture);
});
