import bcrypt from 'bcrypt';

/**
 * bcrypt hashing with a configurable cost. `verifyAgainstNothing` compares against a dummy hash of the
 * same cost, so a login for an unknown user takes as long as one with a wrong password.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return bcrypt.compare(password, hash);
  }

  async verifyAgainstNothing(password: string): Promise<false> {
    this.dummyHash ??= bcrypt.hash('conveyor-dummy-password', this.cost);
    await bcrypt.compare(password, await this.dummyHash);
    return false;
  }
}
