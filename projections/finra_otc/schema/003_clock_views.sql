-- Every calc row with its lineage and the three clocks: business week (week_ending), source
-- publication (source_updated: the latest lastUpdateDate behind it) and capture time (captured_at),
-- plus the calc's name and version and the capture it belongs to.

CREATE VIEW symbol_summary_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM symbol_summary r JOIN captures c USING (capture_id);

CREATE VIEW venue_share_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM venue_share r JOIN captures c USING (capture_id);

CREATE VIEW symbol_venue_share_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM symbol_venue_share r JOIN captures c USING (capture_id);

CREATE VIEW tier_share_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM tier_share r JOIN captures c USING (capture_id);

CREATE VIEW ats_share_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM ats_share r JOIN captures c USING (capture_id);

CREATE VIEW week_over_week_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM week_over_week r JOIN captures c USING (capture_id);

CREATE VIEW rolling_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM rolling r JOIN captures c USING (capture_id);

CREATE VIEW volume_per_day_with_clocks AS
    SELECT r.*, c.calc_name, c.captured_at, c.source_updated, c.inputs
    FROM volume_per_day r JOIN captures c USING (capture_id);
