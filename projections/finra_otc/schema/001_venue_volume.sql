-- Captures of FINRA OTC weeks, as the data plane knows them. Queries serve the latest
-- complete capture of a (week_ending, tier) unless asked for another.
CREATE TABLE captures (
    capture_id         uuid PRIMARY KEY,
    execution_id       uuid NOT NULL,
    pipeline           text NOT NULL,
    week_ending        date NOT NULL,
    tier               text NOT NULL,
    source             jsonb,
    status             text NOT NULL CHECK (status IN ('capturing', 'complete', 'abandoned')),
    captured_at        timestamptz NOT NULL,
    completed_at       timestamptz,
    rows_accepted      bigint,
    rows_rejected      bigint,
    details            jsonb,
    started_position   bigint NOT NULL,
    completed_position bigint,
    projected_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX captures_latest ON captures (week_ending, tier, completed_position DESC) WHERE status = 'complete';

-- One row per venue (MPID) and symbol of a capture; natural key (week, tier, symbol, mpid)
-- is unique within a capture.
CREATE TABLE venue_volume (
    capture_id       uuid NOT NULL,
    week_ending      date NOT NULL,
    tier             text NOT NULL,
    line_no          integer NOT NULL,
    symbol           text NOT NULL,
    issue_name       text,
    mpid             text NOT NULL,
    participant_name text,
    total_shares     bigint NOT NULL CHECK (total_shares >= 0),
    total_trades     bigint NOT NULL CHECK (total_trades >= 0),
    last_update_date date
);
CREATE UNIQUE INDEX venue_volume_key ON venue_volume (capture_id, symbol, mpid);
