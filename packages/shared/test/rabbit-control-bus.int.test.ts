import { describe } from 'node:test';
import { controlBusContract } from './support/control-bus-contract.js';
import { rabbitFixture } from './support/queue-fixture.js';

describe('RabbitMQ control bus (fanout)', () => {
  controlBusContract(rabbitFixture);
});
