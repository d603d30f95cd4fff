-- conveyor_admit_task (002) that also returns the count it checked: the owner's tasks in flight before this
-- one, or NULL when over the cap. The API puts a task whose owner had none in flight in the queue's first
-- lane (fairness between users, issue #16), from this one count, so the cap and the lane agree.
-- 002's function stays: a replica of the previous build may still be calling it during a rolling update.
CREATE FUNCTION conveyor_admit_task_counted(
  p_id uuid, p_owner uuid, p_type text, p_status text, p_stage text,
  p_created timestamptz, p_updated timestamptz, p_token_hash text, p_max integer
) RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  in_flight integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('conveyor-in-flight:' || p_owner::text, 0));
  SELECT count(*) INTO in_flight FROM tasks WHERE owner_id = p_owner AND status = 'in_progress';
  IF in_flight >= p_max THEN
    RETURN NULL;
  END IF;
  INSERT INTO tasks (id, owner_id, type, status, stage, created_at, updated_at, commit_token_hash)
  VALUES (p_id, p_owner, p_type, p_status, p_stage, p_created, p_updated, p_token_hash);
  RETURN in_flight;
END $$;
