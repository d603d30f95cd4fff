import { describe } from 'node:test';
import { queueContract } from './support/queue-contract.js';
import { rabbitFixture } from './support/queue-fixture.js';

describe('RabbitMQ task queue', () => {
  queueContract(rabbitFixture);
});
