-- Up Migration
-- Standalone mode's equivalent of VideoIngestion resources: what to ingest, kept across restarts so
-- the local runner resumes unfinished work.
CREATE TABLE local_ingestions (
  video_id uuid PRIMARY KEY REFERENCES videos (video_id) ON DELETE CASCADE,
  request jsonb NOT NULL,
  phase text NOT NULL DEFAULT 'Pending' CHECK (phase IN ('Pending', 'Running', 'Succeeded', 'Failed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX local_ingestions_active_idx ON local_ingestions (created_at) WHERE phase IN ('Pending', 'Running');

-- Down Migration
DROP TABLE local_ingestions;
