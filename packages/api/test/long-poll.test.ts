import { describe } from 'node:test';
import { longPollSuite } from './support/long-poll-suite.js';

describe('long-poll on the RAM store (in-process events)', () => {
  longPollSuite(async () => ({ env: {}, teardown: async () => {} }));
});
