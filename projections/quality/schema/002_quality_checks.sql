-- core_quality: every quality check a run recorded (QualityChecked events).
CREATE TABLE core_quality (
    capture_id    uuid NOT NULL,
    position      bigint NOT NULL,
    pipeline      text NOT NULL,
    partition_key text NOT NULL,
    "check"       text NOT NULL,
    status        text NOT NULL CHECK (status IN ('PASS', 'WARN', 'FAIL')),
    severity      text NOT NULL CHECK (severity IN ('INFO', 'WARN', 'ERROR')),
    message       text NOT NULL,
    value         double precision,
    threshold     double precision,
    details       jsonb NOT NULL,
    checked_at    timestamptz NOT NULL,
    PRIMARY KEY (capture_id, position)
);
CREATE INDEX core_quality_partition ON core_quality (pipeline, partition_key, checked_at DESC);

-- Anomalies are the checks that did not pass.
CREATE VIEW core_anomalies AS
    SELECT * FROM core_quality WHERE status <> 'PASS';
