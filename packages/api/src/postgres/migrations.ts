/**
 * Versioned SQL migrations: packages/api/migrations/NNN_name.sql, applied in order, each once, recorded in
 * schema_migrations. All pending ones run in one transaction holding an advisory lock on the schema, so
 * replicas starting together apply them once (the second waits, then finds nothing to do), and a failing
 * migration leaves the schema as it was.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Sql } from 'postgres';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);
const FILE_RE = /^(\d+)_([a-z0-9_]+)\.sql$/;

export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_RE.exec(file);
    if (!match) throw new Error(`migration file ${file}: expected NNN_name.sql`);
    migrations.push({ version: Number(match[1]), name: match[2]!, sql: await readFile(new URL(file, dir), 'utf8') });
  }
  const versions = new Set(migrations.map((m) => m.version));
  if (versions.size !== migrations.length) throw new Error('two migration files share a version number');
  return migrations;
}

export class MigrationError extends Error {}

/** Applies what is pending; returns the versions applied now (empty when the schema was up to date). */
export async function migrate(sql: Sql, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  return sql.begin(async (tx) => {
    // One lock per schema (tests and deployments may share a database under different schemas).
    await tx`SELECT pg_advisory_xact_lock(hashtextextended('conveyor-migrations:' || current_schema(), 0))`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set(
      (await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((r) => r.version),
    );
    const newest = Math.max(0, ...all.map((m) => m.version));
    const unknown = [...done].filter((v) => v > newest);
    if (unknown.length > 0) {
      throw new MigrationError(`the database has migration ${Math.max(...unknown)}, newer than this build knows`);
    }
    const applied: number[] = [];
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      try {
        await tx.unsafe(migration.sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new MigrationError(`migration ${migration.version}_${migration.name} failed: ${reason}`);
      }
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${migration.version}, ${migration.name})`;
      applied.push(migration.version);
    }
    return applied;
  });
}
