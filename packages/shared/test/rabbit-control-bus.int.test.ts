import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlMessage } from '@conveyor/shared';
import { controlBusContract } from './support/control-bus-contract.js';
import { rabbitFixture, uniquePrefix } from './support/queue-fixture.js';
import { closeConnectionsNamed } from './support/rabbitmqctl.js';

describe('RabbitMQ control bus (fanout)', () => {
  controlBusContract(rabbitFixture);

  it('after the broker closes both ends’ connections, broadcasts reach the subscription again', async () => {
    const fixture = await rabbitFixture({ prefix: uniquePrefix('cancel') });
    try {
      const api = await fixture.open();
      const worker = await fixture.open();
      const heard: ControlMessage[] = [];
      const subscription = worker.control.subscribe((message) => heard.push(message));
      await subscription.ready();
      assert.equal(await closeConnectionsNamed(`${fixture.prefix}conn`), 2);
      // The subscription's server-named queue went with its connection: what is broadcast meanwhile is lost to
      // it (harmless, see control-bus.ts). Broadcast until one arrives on the re-declared queue.
      const deadline = Date.now() + 15_000;
      let sent = 0;
      while (heard.length === 0) {
        assert.ok(Date.now() < deadline, `no broadcast heard within 15 s of the reconnect (${sent} sent)`);
        await api.control.broadcast({ kind: 'cancel', task_id: randomUUID() }).then(
          () => sent++,
          () => {},
        );
        await sleep(200);
      }
      await subscription.close();
    } finally {
      await fixture.teardown();
    }
  });
});
