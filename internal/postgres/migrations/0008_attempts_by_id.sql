-- Attempt ids are time-ordered (version 7 UUIDs): pruning deletes a range of the primary key,
-- so the index on attempted_at is one b-tree less to write per attempt.
DROP INDEX delivery_attempts_by_time;
