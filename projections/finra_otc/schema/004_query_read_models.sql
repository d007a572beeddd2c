-- Read models shaped for the data endpoints of the gateway.

-- GET /v1/data/venue-volume?symbol=: one symbol's venue rows of a capture, in file order.
CREATE INDEX venue_volume_by_symbol ON venue_volume (capture_id, symbol, line_no);
-- GET /v1/data/venue-volume: every venue row of a capture in file order, paged by keyset on
-- line_no (unique within a capture: the source line or record number).
CREATE INDEX venue_volume_by_line ON venue_volume (capture_id, line_no);

-- GET /v1/data/symbols: each symbol's totals over the venue-level rows of an ingest capture
-- (summary types *_W_SMBL_FIRM; other summary types are never summed with them). Written by
-- the projector in the transaction that completes the capture, so it exists as soon as the
-- capture is served, whether or not aggregate_week has run.
CREATE TABLE symbol_totals (
    capture_id   uuid NOT NULL,
    symbol       text NOT NULL,
    issue_name   text,
    total_shares bigint NOT NULL,
    total_trades bigint NOT NULL,
    venues       bigint NOT NULL,
    PRIMARY KEY (capture_id, symbol)
);
CREATE INDEX symbol_totals_top ON symbol_totals (capture_id, total_shares DESC, symbol);

-- Captures completed before this migration: the same statement the projector runs at completion.
INSERT INTO symbol_totals (capture_id, symbol, issue_name, total_shares, total_trades, venues)
SELECT v.capture_id, v.symbol, max(v.issue_name), sum(v.total_shares)::bigint, sum(v.total_trades)::bigint, count(*)
FROM venue_volume v JOIN captures c ON c.capture_id = v.capture_id AND c.status = 'complete'
WHERE v.symbol IS NOT NULL AND v.summary_type_code LIKE '%\_W\_SMBL\_FIRM'
GROUP BY v.capture_id, v.symbol;
