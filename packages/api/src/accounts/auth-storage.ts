/**
 * Where users and sessions live. Routes see only this interface, so a database can replace the RAM
 * implementation without touching them.
 */

export interface User {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

export interface Session {
  /** SHA-256 of the bearer token, hex; the token itself is never stored. */
  tokenHash: string;
  userId: string;
  expiresAt: Date;
}

export interface AuthStorage {
  findUserByName(username: string): Promise<User | undefined>;
  findUserById(id: string): Promise<User | undefined>;
  /** Creates the user, or returns the one already holding the name (callers then check the password). */
  createUser(user: User): Promise<{ created: boolean; user: User }>;
  createSession(session: Session): Promise<void>;
  /** The session for this token hash if it exists and has not expired at `now`. */
  findSession(tokenHash: string, now: Date): Promise<Session | undefined>;
  /** The user of the live session with this token hash: what every authenticated request asks, in one step. */
  findSessionUser(tokenHash: string, now: Date): Promise<User | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Removes sessions that expired before `now`; returns how many. */
  purgeExpiredSessions(now: Date): Promise<number>;
}
