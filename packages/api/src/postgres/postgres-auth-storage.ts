/** AuthStorage on PostgreSQL: users by unique name, sessions by token hash (the token itself is never stored). */
import type { Sql } from 'postgres';
import type { AuthStorage, Session, User } from '../accounts/auth-storage.js';

interface UserRow {
  id: string;
  username: string;
  password_hash: string;
  created_at: Date;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
});

export class PostgresAuthStorage implements AuthStorage {
  constructor(
    private readonly sql: Sql,
    /** Rows one purge statement deletes at most. */
    private readonly purgeBatch = 1000,
  ) {}

  async findUserByName(username: string): Promise<User | undefined> {
    const [row] = await this.sql<UserRow[]>`SELECT * FROM users WHERE username = ${username}`;
    return row ? toUser(row) : undefined;
  }

  async findUserById(id: string): Promise<User | undefined> {
    const [row] = await this.sql<UserRow[]>`SELECT * FROM users WHERE id = ${id}`;
    return row ? toUser(row) : undefined;
  }

  /** One statement: two replicas registering the same name at once make one user; the other gets it back. */
  async createUser(user: User): Promise<{ created: boolean; user: User }> {
    const [inserted] = await this.sql<UserRow[]>`
      INSERT INTO users (id, username, password_hash, created_at)
      VALUES (${user.id}, ${user.username}, ${user.passwordHash}, ${user.createdAt})
      ON CONFLICT (username) DO NOTHING
      RETURNING *`;
    if (inserted) return { created: true, user: toUser(inserted) };
    const existing = await this.findUserByName(user.username);
    if (!existing) throw new Error(`user ${user.username} conflicted but is gone`);
    return { created: false, user: existing };
  }

  async createSession(session: Session): Promise<void> {
    await this.sql`
      INSERT INTO sessions (token_hash, user_id, expires_at)
      VALUES (${session.tokenHash}, ${session.userId}, ${session.expiresAt})`;
  }

  async findSession(tokenHash: string, now: Date): Promise<Session | undefined> {
    const [row] = await this.sql<{ token_hash: string; user_id: string; expires_at: Date }[]>`
      SELECT * FROM sessions WHERE token_hash = ${tokenHash} AND expires_at > ${now}`;
    return row ? { tokenHash: row.token_hash, userId: row.user_id, expiresAt: row.expires_at } : undefined;
  }

  async findSessionUser(tokenHash: string, now: Date): Promise<User | undefined> {
    const [row] = await this.sql<UserRow[]>`
      SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id
      WHERE sessions.token_hash = ${tokenHash} AND sessions.expires_at > ${now}`;
    return row ? toUser(row) : undefined;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE token_hash = ${tokenHash}`;
  }

  async purgeExpiredSessions(now: Date): Promise<number> {
    let purged = 0;
    for (;;) {
      const rows = await this.sql`
        DELETE FROM sessions WHERE token_hash IN (
          SELECT token_hash FROM sessions WHERE expires_at <= ${now}
          LIMIT ${this.purgeBatch} FOR UPDATE SKIP LOCKED)
        RETURNING token_hash`;
      purged += rows.length;
      if (rows.length < this.purgeBatch) return purged;
    }
  }
}
