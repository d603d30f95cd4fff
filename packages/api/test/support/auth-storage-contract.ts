/** The contract every AuthStorage keeps, run on RAM and on PostgreSQL. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, it } from 'node:test';
import type { AuthStorage, User } from '../../src/accounts/auth-storage.js';

export type AuthStorageFactory = () => Promise<{ storage: AuthStorage; teardown(): Promise<void> }>;

const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const user = (username: string): User => ({
  id: randomUUID(),
  username,
  passwordHash: `$2b$04$${username}`,
  createdAt: at(0),
});

export function authStorageContract(factory: AuthStorageFactory): void {
  let storage: AuthStorage;
  let teardown: () => Promise<void>;
  beforeEach(async () => {
    ({ storage, teardown } = await factory());
  });
  afterEach(() => teardown());

  it('finds a user by name and by id; an unknown one is undefined', async () => {
    const alice = user('alice');
    assert.deepEqual(await storage.createUser(alice), { created: true, user: alice });
    assert.deepEqual(await storage.findUserByName('alice'), alice);
    assert.deepEqual(await storage.findUserById(alice.id), alice);
    assert.equal(await storage.findUserByName('bob'), undefined);
    assert.equal(await storage.findUserById(randomUUID()), undefined);
  });

  it('a name is taken once: the same name again (even at the same instant) returns the first user', async () => {
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => storage.createUser(user('carol'))));
    const created = outcomes.filter((o) => o.created);
    assert.equal(created.length, 1);
    for (const outcome of outcomes) assert.equal(outcome.user.id, created[0]!.user.id);
  });

  it('a session is found until it expires, and not after logout', async () => {
    const dave = user('dave');
    await storage.createUser(dave);
    await storage.createSession({ tokenHash: 'a'.repeat(64), userId: dave.id, expiresAt: at(60) });
    await storage.createSession({ tokenHash: 'b'.repeat(64), userId: dave.id, expiresAt: at(60) });
    assert.deepEqual(await storage.findSession('a'.repeat(64), at(59)), {
      tokenHash: 'a'.repeat(64),
      userId: dave.id,
      expiresAt: at(60),
    });
    assert.equal(await storage.findSession('a'.repeat(64), at(60)), undefined, 'expired at its expiry instant');
    assert.deepEqual(await storage.findSessionUser('b'.repeat(64), at(59)), dave);
    assert.equal(await storage.findSessionUser('b'.repeat(64), at(60)), undefined);
    assert.equal(await storage.findSessionUser('c'.repeat(64), at(1)), undefined);
    await storage.deleteSession('b'.repeat(64));
    assert.equal(await storage.findSession('b'.repeat(64), at(1)), undefined);
    assert.equal(await storage.findSession('c'.repeat(64), at(1)), undefined);
  });

  it('purging removes expired sessions only, however many', async () => {
    const erin = user('erin');
    await storage.createUser(erin);
    for (let i = 0; i < 120; i++) {
      await storage.createSession({ tokenHash: `old${i}`, userId: erin.id, expiresAt: at(10) });
    }
    await storage.createSession({ tokenHash: 'live', userId: erin.id, expiresAt: at(100) });
    assert.equal(await storage.purgeExpiredSessions(at(50)), 120);
    assert.equal(await storage.purgeExpiredSessions(at(50)), 0);
    assert.ok(await storage.findSession('live', at(50)));
  });
}
