-- Up Migration
-- Standalone mode's ingestions keep the same status a VideoIngestion resource has, written by the same
-- plan (core/ingestion/plan.ts); phase stays as a column for the index of unfinished work.
ALTER TABLE local_ingestions ADD COLUMN status jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Down Migration
ALTER TABLE local_ingestions DROP COLUMN status;
