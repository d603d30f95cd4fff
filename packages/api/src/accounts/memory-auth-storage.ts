import type { AuthStorage, Session, User } from './auth-storage.js';

/** AuthStorage in RAM: hash tables by name, id and token hash. Lost on restart, by design of this backend. */
export class MemoryAuthStorage implements AuthStorage {
  private readonly usersByName = new Map<string, User>();
  private readonly usersById = new Map<string, User>();
  private readonly sessions = new Map<string, Session>();

  async findUserByName(username: string): Promise<User | undefined> {
    return this.usersByName.get(username);
  }

  async findUserById(id: string): Promise<User | undefined> {
    return this.usersById.get(id);
  }

  async createUser(user: User): Promise<{ created: boolean; user: User }> {
    const existing = this.usersByName.get(user.username);
    if (existing) return { created: false, user: existing };
    this.usersByName.set(user.username, user);
    this.usersById.set(user.id, user);
    return { created: true, user };
  }

  async createSession(session: Session): Promise<void> {
    this.sessions.set(session.tokenHash, session);
  }

  async findSession(tokenHash: string, now: Date): Promise<Session | undefined> {
    return this.liveSession(tokenHash, now);
  }

  /** Every authenticated request asks this: one promise, not one for the session and one for its user. */
  async findSessionUser(tokenHash: string, now: Date): Promise<User | undefined> {
    const session = this.liveSession(tokenHash, now);
    return session ? this.usersById.get(session.userId) : undefined;
  }

  private liveSession(tokenHash: string, now: Date): Session | undefined {
    const session = this.sessions.get(tokenHash);
    if (!session) return undefined;
    if (session.expiresAt <= now) {
      this.sessions.delete(tokenHash);
      return undefined;
    }
    return session;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.sessions.delete(tokenHash);
  }

  async purgeExpiredSessions(now: Date): Promise<number> {
    let purged = 0;
    for (const [hash, session] of this.sessions) {
      if (session.expiresAt <= now) {
        this.sessions.delete(hash);
        purged++;
      }
    }
    return purged;
  }
}
