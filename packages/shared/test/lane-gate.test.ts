import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LaneGate, laneFor, type SlotGrant } from '@conveyor/shared';

const granted = (grant: SlotGrant) => {
  assert.equal(grant.kind, 'granted');
  return grant as Extract<SlotGrant, { kind: 'granted' }>;
};

describe('laneFor', () => {
  it('puts a task in the first lane only when its owner had nothing else in flight', () => {
    assert.equal(laneFor(0), 'first');
    assert.equal(laneFor(1), 'rest');
    assert.equal(laneFor(99), 'rest');
  });
});

describe('LaneGate', () => {
  it('grants up to `slots` at once, then makes deliveries wait', async () => {
    const gate = new LaneGate(2);
    const a = granted(await gate.acquire('rest'));
    granted(await gate.acquire('rest'));
    const third: { grant?: SlotGrant } = {};
    void gate.acquire('rest').then((grant) => {
      third.grant = grant;
    });
    const thirdKind = () => third.grant?.kind;
    await Promise.resolve();
    assert.equal(thirdKind(), undefined);
    assert.equal(gate.waitingCount('rest'), 1);
    a.release();
    a.release(); // a second release gives back nothing more
    await Promise.resolve();
    assert.equal(thirdKind(), 'granted');
    assert.equal(gate.waitingCount('rest'), 0);
  });

  it('gives a freed slot to a waiting first-lane delivery before rest-lane ones that waited longer', async () => {
    const gate = new LaneGate(1);
    const running = granted(await gate.acquire('rest'));
    const order: string[] = [];
    const noted = (name: string) => (grant: SlotGrant) => {
      order.push(name);
      return grant;
    };
    const waits = [
      gate.acquire('rest').then(noted('rest-1')),
      gate.acquire('rest').then(noted('rest-2')),
      gate.acquire('first').then(noted('first')),
    ];
    running.release();
    granted(await waits[2]!).release();
    granted(await waits[0]!).release();
    granted(await waits[1]!).release();
    assert.deepEqual(order, ['first', 'rest-1', 'rest-2']);
  });

  it('does not let a new delivery overtake waiting ones', async () => {
    const gate = new LaneGate(1);
    const running = granted(await gate.acquire('rest'));
    const waiting = gate.acquire('rest');
    running.release();
    // The slot went to the waiting delivery; a newcomer waits behind it.
    const newcomer: { grant?: SlotGrant } = {};
    void gate.acquire('first').then((grant) => {
      newcomer.grant = grant;
    });
    granted(await waiting);
    await Promise.resolve();
    assert.equal(newcomer.grant, undefined);
  });

  it('close() refuses waiting and later deliveries; running ones keep their slot', async () => {
    const gate = new LaneGate(1);
    const running = granted(await gate.acquire('first'));
    const waiting = gate.acquire('rest');
    gate.close();
    assert.equal((await waiting).kind, 'refused');
    assert.equal((await gate.acquire('first')).kind, 'refused');
    running.release();
  });

  it('an aborted wait is refused and leaves the queue; the slot goes to the next waiter', async () => {
    const gate = new LaneGate(1);
    const running = granted(await gate.acquire('rest'));
    const stale = new AbortController();
    const aborted = gate.acquire('first', stale.signal);
    const next = gate.acquire('rest');
    stale.abort();
    assert.equal((await aborted).kind, 'refused');
    assert.equal(gate.waitingCount('first'), 0);
    running.release();
    granted(await next);
    assert.equal((await gate.acquire('rest', stale.signal)).kind, 'refused', 'an already aborted signal');
  });

  it('refuses a slot count that is not a positive integer', () => {
    assert.throws(() => new LaneGate(0), /positive integer/);
    assert.throws(() => new LaneGate(1.5), /positive integer/);
  });
});
