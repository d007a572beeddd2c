-- Captures of every FINRA pipeline (ingest, normalize, each calc, backfill plans), with their
-- calc version, parameters and lineage (the captures they were computed from).
ALTER TABLE captures
    ALTER COLUMN week_ending DROP NOT NULL,
    ALTER COLUMN tier DROP NOT NULL,
    ADD COLUMN partition_key  text,
    ADD COLUMN partition      jsonb,
    ADD COLUMN calc_name      text,
    ADD COLUMN calc_version   text,
    ADD COLUMN params         jsonb,
    ADD COLUMN inputs         jsonb,
    ADD COLUMN row_columns    text[],
    ADD COLUMN source_updated date;
UPDATE captures SET
    partition_key = 'week_ending=' || week_ending || '/tier=' || tier,
    partition = jsonb_build_object('week_ending', week_ending::text, 'tier', tier),
    row_columns = ARRAY['line_no', 'symbol', 'issue_name', 'mpid', 'participant_name', 'total_shares',
                        'total_trades', 'last_update_date']
WHERE partition_key IS NULL;
CREATE INDEX captures_by_partition ON captures (pipeline, partition_key, completed_position DESC) WHERE status = 'complete';

-- Venue rows, second shape: FINRA API records (summary types, non-ATS firms without MPID).
ALTER TABLE venue_volume
    ALTER COLUMN symbol DROP NOT NULL,
    ALTER COLUMN mpid DROP NOT NULL,
    ADD COLUMN summary_type_code text NOT NULL DEFAULT 'ATS_W_SMBL_FIRM',
    ADD COLUMN firm_crd          text,
    ADD COLUMN total_notional    bigint,
    ADD COLUMN week_start_date   date;
DROP INDEX venue_volume_key;
CREATE UNIQUE INDEX venue_volume_key
    ON venue_volume (capture_id, summary_type_code, coalesce(symbol, ''), coalesce(mpid, firm_crd, participant_name, ''));

-- normalize_week: canonical venue rows (venue id and kind), never mixing summary types.
CREATE TABLE normalized_venue_volume (
    capture_id        uuid NOT NULL,
    week_ending       date NOT NULL,
    tier              text NOT NULL,
    symbol            text NOT NULL,
    issue_name        text,
    venue_id          text NOT NULL,
    venue_name        text,
    venue_kind        text NOT NULL CHECK (venue_kind IN ('ATS', 'NON_ATS', 'DE_MINIMIS')),
    granularity       text NOT NULL CHECK (granularity IN ('venue', 'symbol')),
    summary_type_code text NOT NULL,
    total_shares      bigint NOT NULL,
    total_trades      bigint NOT NULL,
    source_line       integer
);
CREATE UNIQUE INDEX normalized_key ON normalized_venue_volume (capture_id, summary_type_code, symbol, venue_id);

-- aggregate_week (calc symbol_summary)
CREATE TABLE symbol_summary (
    capture_id     uuid NOT NULL,
    week_ending    date NOT NULL,
    tier           text NOT NULL,
    calc_version   text NOT NULL,
    symbol         text NOT NULL,
    issue_name     text,
    total_shares   bigint NOT NULL,
    total_trades   bigint NOT NULL,
    venue_count    integer NOT NULL,
    avg_trade_size numeric,
    ats_shares     bigint,
    non_ats_shares bigint,
    PRIMARY KEY (capture_id, symbol)
);

-- compute_venue_share (calc venue_share): share of the tier's volume per venue, ranked
CREATE TABLE venue_share (
    capture_id   uuid NOT NULL,
    week_ending  date NOT NULL,
    tier         text NOT NULL,
    calc_version text NOT NULL,
    venue_id     text NOT NULL,
    venue_name   text,
    venue_kind   text NOT NULL,
    total_shares bigint NOT NULL,
    total_trades bigint NOT NULL,
    symbol_count integer NOT NULL,
    share        numeric NOT NULL CHECK (share >= 0 AND share <= 1),
    rank         integer NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (capture_id, venue_id)
);

-- compute_symbol_concentration (calc symbol_concentration): venue shares within a symbol, HHI
CREATE TABLE symbol_venue_share (
    capture_id   uuid NOT NULL,
    week_ending  date NOT NULL,
    tier         text NOT NULL,
    calc_version text NOT NULL,
    symbol       text NOT NULL,
    venue_id     text NOT NULL,
    venue_kind   text NOT NULL,
    total_shares bigint NOT NULL,
    share        numeric NOT NULL CHECK (share >= 0 AND share <= 1),
    rank         integer NOT NULL CHECK (rank >= 1),
    venue_count  integer NOT NULL,
    hhi          numeric NOT NULL CHECK (hhi >= 0 AND hhi <= 1),
    PRIMARY KEY (capture_id, symbol, venue_id)
);

-- compute_tier_share (calc tier_volume_share)
CREATE TABLE tier_share (
    capture_id        uuid NOT NULL,
    week_ending       date NOT NULL,
    tier              text NOT NULL,
    calc_version      text NOT NULL,
    symbol            text NOT NULL,
    total_shares      bigint NOT NULL,
    tier_total_shares bigint NOT NULL,
    share             numeric NOT NULL CHECK (share >= 0 AND share <= 1),
    rank              integer NOT NULL,
    PRIMARY KEY (capture_id, symbol)
);

-- compute_ats_share (calc ats_share): ATS share of off-exchange volume where both exist
CREATE TABLE ats_share (
    capture_id     uuid NOT NULL,
    week_ending    date NOT NULL,
    tier           text NOT NULL,
    calc_version   text NOT NULL,
    symbol         text NOT NULL,
    ats_shares     bigint NOT NULL,
    non_ats_shares bigint NOT NULL,
    total_shares   bigint NOT NULL,
    ats_share      numeric NOT NULL CHECK (ats_share >= 0 AND ats_share <= 1),
    basis          text NOT NULL,
    PRIMARY KEY (capture_id, symbol)
);

-- compute_week_over_week (calc week_over_week)
CREATE TABLE week_over_week (
    capture_id         uuid NOT NULL,
    week_ending        date NOT NULL,
    tier               text NOT NULL,
    calc_version       text NOT NULL,
    symbol             text NOT NULL,
    total_shares       bigint,
    prior_total_shares bigint,
    change_shares      bigint,
    change_pct         numeric,
    status             text NOT NULL,
    PRIMARY KEY (capture_id, symbol)
);

-- compute_rolling (calc rolling)
CREATE TABLE rolling (
    capture_id    uuid NOT NULL,
    week_ending   date NOT NULL,
    tier          text NOT NULL,
    calc_version  text NOT NULL,
    symbol        text NOT NULL,
    "window"      integer NOT NULL,
    weeks_present integer NOT NULL,
    avg_shares    numeric,
    min_shares    bigint,
    max_shares    bigint,
    first_shares  bigint,
    last_shares   bigint,
    change_pct    numeric,
    trend         text NOT NULL CHECK (trend IN ('UP', 'DOWN', 'FLAT')),
    complete      boolean NOT NULL,
    PRIMARY KEY (capture_id, symbol)
);

-- compute_volume_per_day (calc volume_per_trading_day)
CREATE TABLE volume_per_day (
    capture_id     uuid NOT NULL,
    week_ending    date NOT NULL,
    tier           text NOT NULL,
    calc_version   text NOT NULL,
    symbol         text NOT NULL,
    total_shares   bigint NOT NULL,
    trading_days   integer NOT NULL,
    shares_per_day numeric,
    PRIMARY KEY (capture_id, symbol)
);

-- backfill_range: the plan of a backfill (which file for which week)
CREATE TABLE backfill_plan (
    capture_id  uuid NOT NULL,
    tier        text NOT NULL,
    week_ending date NOT NULL,
    file        text,
    status      text NOT NULL,
    PRIMARY KEY (capture_id, week_ending)
);
