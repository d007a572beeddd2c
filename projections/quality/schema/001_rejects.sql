-- Captures of every pipeline, as far as quality needs them.
CREATE TABLE captures (
    capture_id    uuid PRIMARY KEY,
    execution_id  uuid NOT NULL,
    pipeline      text NOT NULL,
    partition_key text NOT NULL,
    partition     jsonb NOT NULL,
    status        text NOT NULL CHECK (status IN ('capturing', 'complete', 'abandoned')),
    captured_at   timestamptz NOT NULL,
    projected_at  timestamptz NOT NULL DEFAULT now()
);

-- core_rejects: every rejected input line, with the reason and the line exactly as read.
CREATE TABLE core_rejects (
    capture_id    uuid NOT NULL,
    pipeline      text NOT NULL,
    partition_key text NOT NULL,
    line_no       integer NOT NULL,
    reason        text NOT NULL,
    detail        text NOT NULL,
    raw           text NOT NULL,
    PRIMARY KEY (capture_id, line_no)
);
CREATE INDEX core_rejects_partition ON core_rejects (pipeline, partition_key, reason);
