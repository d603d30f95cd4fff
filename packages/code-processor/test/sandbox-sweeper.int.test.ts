/**
 * The sweeper on the real Docker engine, with two deployments sharing it: it removes only its own
 * deployment's leftovers, and among those only this worker's idle containers and the stopped containers of
 * workers whose lease has expired; never a live worker's, never another deployment's, never by age alone.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import Docker from 'dockerode';
import { DEPLOYMENT_LABEL, LEASE_LABEL, SANDBOX_LABEL, SandboxSweeper, WORKER_ID_LABEL } from '../src/index.js';

const docker = new Docker();
const image = process.env.SANDBOX_IMAGE || 'conveyor-sandbox:latest';
const run = randomUUID().slice(0, 8);
const ours = `sandbox-test-ours-${run}`;
const theirs = `sandbox-test-theirs-${run}`;

async function listed(deployment: string, label = SANDBOX_LABEL) {
  const found = await docker.listContainers({
    all: true,
    filters: { label: [`${label}=1`, `${DEPLOYMENT_LABEL}=${deployment}`] },
  });
  return found.map((c) => `${c.Labels[WORKER_ID_LABEL]}:${c.Labels.name ?? ''}`).sort();
}

/** A sandbox-like container, labelled as the real ones; `name` tells them apart in assertions. */
async function sandbox(deployment: string, worker: string, name: string, running = false) {
  const container = await docker.createContainer({
    Image: image,
    Cmd: running ? ['sleep', '60'] : ['true'],
    Labels: { [SANDBOX_LABEL]: '1', [DEPLOYMENT_LABEL]: deployment, [WORKER_ID_LABEL]: worker, name },
    HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'none', Config: {} } },
  });
  if (running) await container.start();
  else {
    await container.start();
    await container.wait();
  }
  return container;
}

after(async () => {
  for (const deployment of [ours, theirs]) {
    for (const label of [SANDBOX_LABEL, LEASE_LABEL]) {
      const found = await docker.listContainers({
        all: true,
        filters: { label: [`${label}=1`, `${DEPLOYMENT_LABEL}=${deployment}`] },
      });
      for (const c of found)
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => {});
    }
  }
});

describe('sandbox sweeper', () => {
  test('own deployment only; own idle leftovers; dead workers stopped containers; never live or running ones', async () => {
    let clock = Date.now();
    const sweeper = (deployment: string, workerId: string, working: Set<string> = new Set()) =>
      new SandboxSweeper({
        docker,
        deployment,
        workerId,
        image,
        working: () => working,
        heartbeatMs: 1_000,
        now: () => clock,
      });
    // This worker (me), a live peer and a peer that will die, in our deployment; another deployment alongside.
    const atWork = await sandbox(ours, 'me', 'me-at-work', true);
    await sandbox(ours, 'me', 'me-leftover');
    const peer = sweeper(ours, 'peer');
    await peer.heartbeat();
    await sandbox(ours, 'peer', 'peer-stopped');
    const dying = sweeper(ours, 'dying');
    await dying.heartbeat();
    await sandbox(ours, 'dying', 'dying-stopped');
    await sandbox(ours, 'dying', 'dying-running', true);
    await sandbox(ours, 'never-leased', 'orphan-stopped');
    const other = sweeper(theirs, 'other');
    await other.heartbeat();
    await sandbox(theirs, 'other', 'other-stopped');
    await sandbox(theirs, 'gone', 'other-orphan-stopped');

    const me = sweeper(ours, 'me', new Set([atWork.id]));
    await me.heartbeat();
    // Everyone's leases are fresh: only my idle leftover, and the container of a worker that never held a lease.
    assert.equal(await me.sweep({ all: true }), 2);
    assert.deepEqual(await listed(ours), [
      'dying:dying-running',
      'dying:dying-stopped',
      'me:me-at-work',
      'peer:peer-stopped',
    ]);

    // Time passes: the peer and I keep beating, "dying" does not. Age alone removes nothing of the live.
    clock += 10_000;
    await peer.heartbeat();
    await me.heartbeat();
    assert.equal(await me.sweep(), 1);
    assert.deepEqual(await listed(ours), ['dying:dying-running', 'me:me-at-work', 'peer:peer-stopped']);
    assert.deepEqual(await listed(ours, LEASE_LABEL), ['me:', 'peer:'], 'the dead lease is gone too');

    // The other deployment was not touched, even its worker without a lease.
    assert.deepEqual(await listed(theirs), ['gone:other-orphan-stopped', 'other:other-stopped']);
    assert.deepEqual(await listed(theirs, LEASE_LABEL), ['other:']);

    await Promise.all([me.stop(), peer.stop(), other.stop()]);
    assert.deepEqual(await listed(ours, LEASE_LABEL), [], 'a clean stop gives the lease back');
  });
});
