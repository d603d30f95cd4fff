-- POST /task in one round trip: the per-owner in-flight cap's lock, count and insert as one function call.
-- A VOLATILE plpgsql function takes a fresh snapshot for each statement, so the count after the lock sees
-- every task a competing POST (on any replica) committed while this one waited for the lock.
CREATE FUNCTION conveyor_admit_task(
  p_id uuid, p_owner uuid, p_type text, p_status text, p_stage text,
  p_created timestamptz, p_updated timestamptz, p_token_hash text, p_max integer
) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('conveyor-in-flight:' || p_owner::text, 0));
  IF (SELECT count(*) FROM tasks WHERE owner_id = p_owner AND status = 'in_progress') >= p_max THEN
    RETURN false;
  END IF;
  INSERT INTO tasks (id, owner_id, type, status, stage, created_at, updated_at, commit_token_hash)
  VALUES (p_id, p_owner, p_type, p_status, p_stage, p_created, p_updated, p_token_hash);
  RETURN true;
END $$;
