/**
 * The PostgreSQL connection of one API process: a small pool (the `postgres` driver, chosen by the
 * measurement in docs/operations.md), checked and migrated at start so that bad settings fail at once with one
 * clear message, and pinged by /readyz.
 */
import postgres, { type Sql } from 'postgres';
import type { DatabaseConfig } from '../config.js';
import { migrate } from './migrations.js';

export class DatabaseStartError extends Error {}

const CONNECT_TIMEOUT_S = 10;
const PING_TIMEOUT_MS = 2000;

/** Where the URL points, without its password, for messages. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

export function connect(settings: DatabaseConfig): Sql {
  return postgres(settings.url, {
    max: settings.poolSize,
    connect_timeout: CONNECT_TIMEOUT_S,
    // Conveyor's tables live in their own schema when one is set; notices (IF NOT EXISTS) are not news.
    connection: { search_path: settings.schema, application_name: `conveyor-api:${settings.schema}` },
    onnotice: () => {},
  });
}

/** Connects, creates the schema if needed and applies pending migrations; throws one readable error. */
export async function openDatabase(settings: DatabaseConfig): Promise<Database> {
  const where = describeUrl(settings.url);
  let sql: Sql;
  try {
    sql = connect(settings);
  } catch (error) {
    throw new DatabaseStartError(`DATABASE_URL is not a PostgreSQL URL (${reason(error)})`);
  }
  try {
    // Under the migrations' lock (the same key: current_schema() is this schema once it exists), or two
    // replicas creating it at once collide on the catalogue's unique index despite IF NOT EXISTS.
    await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`conveyor-migrations:${settings.schema}`}, 0))`;
      await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(settings.schema)}`);
    });
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseStartError(`cannot use the database at ${where}: ${reason(error)}`);
  }
  try {
    const applied = await migrate(sql);
    return new Database(sql, settings, applied);
  } catch (error) {
    await sql.end({ timeout: 1 }).catch(() => {});
    throw new DatabaseStartError(`database at ${where}: ${reason(error)}`);
  }
}

export class Database {
  constructor(
    readonly sql: Sql,
    readonly settings: DatabaseConfig,
    /** Migration versions this start applied. */
    readonly applied: number[],
  ) {}

  /** Whether a trivial query answers within PING_TIMEOUT_MS (for /readyz). */
  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    const query = this.sql`SELECT 1`.then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0]);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
