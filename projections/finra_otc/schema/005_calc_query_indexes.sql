-- Each calc endpoint's order within a capture, as an index: a page (the top 10 of a week, say)
-- reads its rows in order instead of sorting the capture's rows (tens of thousands of symbols;
-- a million symbol-venue pairs for the concentration). The rolling calc is served in symbol
-- order, its primary key; a tier has a few dozen venues.
CREATE INDEX symbol_summary_served ON symbol_summary (capture_id, total_shares DESC, symbol);
CREATE INDEX symbol_venue_share_served ON symbol_venue_share (capture_id, hhi DESC, symbol, rank);
CREATE INDEX tier_share_served ON tier_share (capture_id, rank, symbol);
CREATE INDEX ats_share_served ON ats_share (capture_id, total_shares DESC, symbol);
CREATE INDEX week_over_week_served ON week_over_week (capture_id, abs(coalesce(change_shares, 0)) DESC, symbol);
CREATE INDEX volume_per_day_served ON volume_per_day (capture_id, total_shares DESC, symbol);
