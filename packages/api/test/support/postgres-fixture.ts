/**
 * A PostgreSQL schema of its own for one test: created and migrated on open, dropped (with everything in
 * it) on teardown. The server is the machine's (scripts/prepare.sh starts one); TEST_DATABASE_URL may point
 * elsewhere.
 */
import { randomBytes } from 'node:crypto';
import type { DatabaseConfig } from '../../src/config.js';
import { connect, type Database, openDatabase } from '../../src/postgres/database.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface SchemaFixture {
  config: DatabaseConfig;
  /** The environment that points an API process at this schema. */
  env: Record<string, string>;
  db: Database;
  drop(): Promise<void>;
}

export async function freshSchema(poolSize = 10): Promise<SchemaFixture> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const config = { url: TEST_DATABASE_URL, schema, poolSize };
  const db = await openDatabase(config);
  return {
    config,
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema },
    db,
    drop: async () => {
      await db.close();
      const admin = connect({ ...config, poolSize: 1 });
      try {
        await admin.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
