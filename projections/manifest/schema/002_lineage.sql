-- Lineage and calc of every capture: which captures it was computed from, with which version.
ALTER TABLE captures
    ADD COLUMN params      jsonb,
    ADD COLUMN inputs      jsonb,
    ADD COLUMN calc        jsonb,
    ADD COLUMN fingerprint text;
ALTER TABLE executions
    ADD COLUMN through      text,
    ADD COLUMN stage_params jsonb;
CREATE INDEX executions_batch ON executions (batch_id, requested_at);
