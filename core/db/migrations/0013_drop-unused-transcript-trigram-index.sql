-- The trigram GIN index on scenes.transcript (migration 0001) served the first lexical search, which ranked by
-- pg_trgm similarity on the raw transcript. Search now matches the normalised columns of migrations 0007 and 0009
-- with strpos(), which no index can serve (EXPLAIN on PostgreSQL 15 with 100,000 scenes: the caller's scenes come
-- through the videos and scenes-by-video indexes, and with enable_seqscan off strpos() still scans; only LIKE or
-- similarity() would use it, and nothing uses those). It was never read (pg_stat_user_indexes.idx_scan 0) and
-- every scene written paid for it: 17 MB per 100,000 scenes beside a 22 MB table. pg_trgm stays: 0001 checks
-- with it that the database makes trigrams from Hangul. Runs unchanged on PostgreSQL 15 and on PGlite.

-- Up Migration

DROP INDEX IF EXISTS scenes_transcript_trgm_idx;

-- Down Migration

CREATE INDEX IF NOT EXISTS scenes_transcript_trgm_idx ON scenes USING gin (transcript gin_trgm_ops);
