-- Executions: one row per command, from RunRequested to its end.
CREATE TABLE executions (
    execution_id    uuid PRIMARY KEY,
    pipeline        text NOT NULL,
    params          jsonb NOT NULL,
    partition_key   text NOT NULL,
    trigger_source  text NOT NULL,
    lane            text NOT NULL,
    batch_id        uuid NOT NULL,
    idempotency_key text NOT NULL,
    source          jsonb,
    status          text NOT NULL CHECK (status IN ('requested', 'running', 'skipped', 'completed', 'failed')),
    capture_id      uuid,
    resumed         boolean NOT NULL DEFAULT false,
    rows_accepted   bigint,
    rows_rejected   bigint,
    skip_reason     text,
    error_code      text,
    error_message   text,
    error_hint      text,
    details         jsonb,
    requested_at    timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    last_position   bigint NOT NULL,
    projected_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX executions_partition ON executions (pipeline, partition_key, requested_at DESC);
CREATE INDEX executions_recent ON executions (requested_at DESC);

-- Captures: every capture a run made, complete or not.
CREATE TABLE captures (
    capture_id    uuid PRIMARY KEY,
    execution_id  uuid NOT NULL,
    pipeline      text NOT NULL,
    partition_key text NOT NULL,
    partition     jsonb NOT NULL,
    source        jsonb,
    status        text NOT NULL CHECK (status IN ('capturing', 'complete', 'abandoned')),
    captured_at   timestamptz NOT NULL,
    completed_at  timestamptz,
    rows_accepted bigint,
    rows_rejected bigint,
    position      bigint NOT NULL,
    projected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX captures_partition ON captures (pipeline, partition_key, captured_at DESC);

-- Manifest: which stage of which partition was completed, by which execution and capture.
CREATE TABLE manifest (
    pipeline      text NOT NULL,
    partition_key text NOT NULL,
    stage         text NOT NULL,
    capture_id    uuid NOT NULL,
    execution_id  uuid NOT NULL,
    completed_at  timestamptz NOT NULL,
    rows_accepted bigint NOT NULL,
    rows_rejected bigint NOT NULL,
    details       jsonb NOT NULL,
    position      bigint NOT NULL,
    projected_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline, partition_key, stage, capture_id)
);
