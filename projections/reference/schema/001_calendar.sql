-- Captures of reference pipelines (same shape as the data plane's captures).
CREATE TABLE captures (
    capture_id         uuid PRIMARY KEY,
    execution_id       uuid NOT NULL,
    pipeline           text NOT NULL,
    partition_key      text NOT NULL,
    partition          jsonb NOT NULL,
    week_ending        date,
    tier               text,
    calc_name          text,
    calc_version       text,
    params             jsonb,
    inputs             jsonb,
    source             jsonb,
    row_columns        text[],
    status             text NOT NULL CHECK (status IN ('capturing', 'complete', 'abandoned')),
    captured_at        timestamptz NOT NULL,
    completed_at       timestamptz,
    rows_accepted      bigint,
    rows_rejected      bigint,
    details            jsonb,
    source_updated     date,
    started_position   bigint NOT NULL,
    completed_position bigint,
    projected_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX captures_by_partition ON captures (pipeline, partition_key, completed_position DESC) WHERE status = 'complete';

-- Market holidays of each exchange calendar capture.
CREATE TABLE calendar_holidays (
    capture_id uuid NOT NULL,
    exchange   text NOT NULL,
    year       integer NOT NULL,
    date       date NOT NULL,
    name       text,
    PRIMARY KEY (capture_id, date)
);
