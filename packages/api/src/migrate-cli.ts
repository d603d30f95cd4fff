/**
 * `npm run migrate`: applies pending schema migrations to DATABASE_URL (DATABASE_SCHEMA) and exits. The API
 * also does this at start, under the same lock; this is for upgrading ahead of a rolling restart.
 */
import { exitOnStartupError } from '@conveyor/shared';
import { readApiConfig } from './config.js';
import { describeUrl, openDatabase } from './postgres/database.js';

try {
  const { database } = readApiConfig();
  if (!database) throw new Error('DATABASE_URL is not set: there is no database to migrate (RAM needs none)');
  const db = await openDatabase(database);
  const where = `${describeUrl(database.url)} schema ${database.schema}`;
  process.stdout.write(
    db.applied.length > 0
      ? `migrate: applied ${db.applied.join(', ')} to ${where}\n`
      : `migrate: ${where} is up to date\n`,
  );
  await db.close();
} catch (error) {
  exitOnStartupError('migrate', error);
}
