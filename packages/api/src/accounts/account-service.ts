/**
 * Registration, login, logout and token checks: the account rules, independent of HTTP.
 */
import { randomUUID } from 'node:crypto';
import { type FieldError, fieldError } from '@conveyor/shared';
import type { AuthStorage, User } from './auth-storage.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import type { WindowCounter } from './rate-limiter.js';
import { hashToken, newToken } from './secrets.js';

export const USERNAME_PATTERN = '^[A-Za-z0-9_.@-]{3,128}$';
const USERNAME_RE = new RegExp(USERNAME_PATTERN);
export const PASSWORD_BYTES = { min: 8, max: 72 } as const;

export interface AccountThrottles {
  /** Failed logins (and /register conflicts): see login-throttle.ts. */
  login: LoginThrottle;
  /** Registrations per client address. */
  registerPerAddress: WindowCounter;
}

export type RegisterOutcome =
  | { kind: 'registered'; user: User }
  | { kind: 'conflict' }
  | { kind: 'throttled'; retryAfter: number }
  | FieldError;

export type LoginOutcome =
  | { kind: 'logged_in'; token: string; expiresAt: Date; user: User }
  | { kind: 'invalid' }
  | { kind: 'throttled'; retryAfter: number };

export class AccountService {
  constructor(
    private readonly storage: AuthStorage,
    private readonly hasher: PasswordHasher,
    private readonly throttles: AccountThrottles,
    private readonly sessionTtlMs: number,
    private readonly now: () => Date = () => new Date(),
    /** Waits a login delay; tests may pass a recording stub. */
    private readonly wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  static checkCredentials(username: unknown, password: unknown): FieldError | undefined {
    if (typeof username !== 'string' || !USERNAME_RE.test(username)) {
      return fieldError('username', 'username must be 3 to 128 letters, digits or _ . - @');
    }
    if (typeof password !== 'string') return fieldError('password', 'password must be a string');
    const bytes = Buffer.byteLength(password, 'utf8');
    if (bytes < PASSWORD_BYTES.min || bytes > PASSWORD_BYTES.max) {
      // bcrypt reads only the first 72 bytes: a longer password would silently match its own prefix.
      return fieldError('password', `password must be ${PASSWORD_BYTES.min} to ${PASSWORD_BYTES.max} bytes (UTF-8)`);
    }
    return undefined;
  }

  /**
   * Registering a name again with the same password returns the same account (the course's client
   * registers twice and expects success both times); with another password it is a conflict, counted as a
   * failed login for that name (so /register answers a password guess no more often than /login does).
   */
  async register(username: string, password: string, address: string): Promise<RegisterOutcome> {
    const invalid = AccountService.checkCredentials(username, password);
    if (invalid) return invalid;
    const retryAfter = await this.throttles.registerPerAddress.retryAfter(address);
    if (retryAfter > 0) return { kind: 'throttled', retryAfter };
    await this.throttles.registerPerAddress.hit(address);

    const existing = await this.storage.findUserByName(username);
    if (existing) return this.reRegister(existing, password, address);
    const candidate: User = {
      id: randomUUID(),
      username,
      passwordHash: await this.hasher.hash(password),
      createdAt: this.now(),
    };
    const { created, user } = await this.storage.createUser(candidate);
    return created ? { kind: 'registered', user } : this.reRegister(user, password, address);
  }

  async login(username: string, password: string, address: string): Promise<LoginOutcome> {
    const admission = await this.throttles.login.admit(username, address);
    if (admission.kind === 'throttled') return admission;
    if (admission.delayMs > 0) await this.wait(admission.delayMs);

    const user = await this.storage.findUserByName(username);
    const valid = user
      ? await this.hasher.verify(password, user.passwordHash)
      : await this.hasher.verifyAgainstNothing(password);
    if (!user || !valid) {
      await this.throttles.login.failed(username, address);
      return { kind: 'invalid' };
    }
    await this.throttles.login.succeeded(username, address);
    const token = newToken();
    const expiresAt = new Date(this.now().getTime() + this.sessionTtlMs);
    await this.storage.createSession({ tokenHash: hashToken(token), userId: user.id, expiresAt });
    return { kind: 'logged_in', token, expiresAt, user };
  }

  async logout(token: string): Promise<void> {
    await this.storage.deleteSession(hashToken(token));
  }

  /** The user a session token belongs to, if the session is live. (The storage's promise itself: every request asks.) */
  authenticate(token: string): Promise<User | undefined> {
    return this.storage.findSessionUser(hashToken(token), this.now());
  }

  purgeExpiredSessions(): Promise<number> {
    return this.storage.purgeExpiredSessions(this.now());
  }

  private async reRegister(existing: User, password: string, address: string): Promise<RegisterOutcome> {
    const admission = await this.throttles.login.admit(existing.username, address);
    if (admission.kind === 'throttled') return admission;
    if (admission.delayMs > 0) await this.wait(admission.delayMs);
    if (await this.hasher.verify(password, existing.passwordHash)) return { kind: 'registered', user: existing };
    await this.throttles.login.failed(existing.username, address);
    return { kind: 'conflict' };
  }
}
