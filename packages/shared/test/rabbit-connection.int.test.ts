/**
 * The broker connection's socket sends small writes at once (TCP_NODELAY). With Nagle's algorithm on, a
 * message over ~16 KB (written in two bursts once the socket's buffer fills) left its tail waiting for the
 * broker's delayed ACK: every POST /task with a body over ~20 KB took ~40 ms more (issue #12; the sizes
 * are swept by bench/body-size-sweep.ts). Node keeps no readable TCP_NODELAY flag, so the test watches the
 * call that sets it on the real connection's socket.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger, openRabbitConnection } from '@conveyor/shared';
import { AMQP_URL } from './support/queue-fixture.js';

describe('RabbitMQ connection socket', () => {
  const calls: boolean[] = [];
  const original = Socket.prototype.setNoDelay;
  before(() => {
    Socket.prototype.setNoDelay = function (this: Socket, noDelay?: boolean) {
      calls.push(noDelay ?? true);
      return original.call(this, noDelay);
    };
  });
  after(() => {
    Socket.prototype.setNoDelay = original;
  });

  it('turns Nagle off, so a large publish is not held for the broker’s delayed ACK', async () => {
    const connection = openRabbitConnection({
      url: AMQP_URL,
      log: createLogger({ service: 'test', level: 'silent' }),
      connectionName: `nodelay-test-${process.pid}`,
    });
    try {
      await connection.onConnect(5000);
      assert.ok(calls.length > 0, 'the connection never set TCP_NODELAY on its socket');
      assert.deepEqual(
        calls,
        calls.map(() => true),
      );
    } finally {
      await connection.close();
    }
  });
});
