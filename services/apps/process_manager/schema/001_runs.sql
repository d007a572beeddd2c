-- What the process manager knows of each execution: enough to issue the next commands.
CREATE TABLE runs (
    execution_id  uuid PRIMARY KEY,
    pipeline      text NOT NULL,
    params        jsonb NOT NULL,
    through       text,
    stage_params  jsonb NOT NULL,
    batch_id      uuid NOT NULL,
    lane          text NOT NULL,
    status        text NOT NULL,
    next_issued   jsonb,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runs_batch ON runs (batch_id);
