-- Conveyor's first schema: users and sessions, tasks and their results, the throttles' windows.
-- Applied once, in a transaction, by src/postgres/migrations.ts (never edit an applied file: add the next one).

CREATE TABLE users (
  id uuid PRIMARY KEY,
  username text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Only the SHA-256 of a session token is kept, never the token.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- An input image is never stored: it travels inside the queue message. A code result is jsonb, an image
-- result raw bytes (bytea); result_bytes is the estimate the byte budget counts (commit-rules.ts).
CREATE TABLE tasks (
  id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('code', 'image')),
  status text NOT NULL CHECK (status IN ('in_progress', 'ready', 'failed')),
  stage text NOT NULL CHECK (stage IN ('queued', 'running', 'done')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  commit_token_hash text NOT NULL,
  code_result jsonb,
  image_result bytea,
  error jsonb,
  outcome_digest text,
  result_bytes integer NOT NULL DEFAULT 0
);
-- GET /tasks: keyset pages newest first.
CREATE INDEX tasks_owner_keyset ON tasks (owner_id, created_at DESC, id DESC);
-- The per-user in-flight cap.
CREATE INDEX tasks_in_flight ON tasks (owner_id) WHERE status = 'in_progress';
-- Retention: the TTL scan, and the byte budget's oldest-first per owner.
CREATE INDEX tasks_finished ON tasks (updated_at) WHERE status <> 'in_progress';
CREATE INDEX tasks_finished_by_owner ON tasks (owner_id, updated_at, id) WHERE status <> 'in_progress';

-- Long-poll wake-up: a task turning final notifies its id (only its id: listeners re-read the row).
CREATE FUNCTION conveyor_notify_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('conveyor_task_final', NEW.id::text);
  RETURN NEW;
END $$;
CREATE TRIGGER tasks_notify_final AFTER UPDATE OF status ON tasks
  FOR EACH ROW WHEN (OLD.status = 'in_progress' AND NEW.status <> 'in_progress')
  EXECUTE FUNCTION conveyor_notify_final();

-- The login and registration throttles' sliding windows, shared by every replica: one row per counted event.
-- A key is any string (a login pair joins name and address with a NUL), so it is kept as its UTF-8 bytes.
CREATE TABLE rate_hits (
  limiter text NOT NULL,
  key bytea NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX rate_hits_window ON rate_hits (limiter, key, at DESC);
CREATE INDEX rate_hits_age ON rate_hits (at);
