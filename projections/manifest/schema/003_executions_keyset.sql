-- GET /v1/executions pages newest first by keyset on (requested_at, execution_id): the id breaks
-- ties between executions requested in the same microsecond. The index it replaces was its prefix.
CREATE INDEX executions_recent_keyset ON executions (requested_at DESC, execution_id DESC);
DROP INDEX executions_recent;
