-- scene_vectors carries its scene's video: search reaches a user's vectors from their videos directly
-- ((video_id, model, kind) index) and checks an HNSW candidate's owner with one lookup instead of two (scene, then
-- video). Measured in docs/benchmarks.md ("Scene search in the per-model layout"): before this, a heavy user's
-- exact query paid a scan of scenes hashed against the user's videos, then one primary-key lookup per scene
-- (306 ms p50 for 4,000 scenes at 100k; 16.5 ms after).
-- (0015: 0013 and 0014 were taken meanwhile.) Runs unchanged on PostgreSQL 15 + pgvector 0.8 and on PGlite.

-- Up Migration

ALTER TABLE scene_vectors ADD COLUMN video_id uuid;
UPDATE scene_vectors v SET video_id = s.video_id FROM scenes s WHERE s.scene_id = v.scene_id;
ALTER TABLE scene_vectors ALTER COLUMN video_id SET NOT NULL;
ALTER TABLE scene_vectors
  ADD CONSTRAINT scene_vectors_video_id_fkey FOREIGN KEY (video_id) REFERENCES videos (video_id) ON DELETE CASCADE;
CREATE INDEX scene_vectors_video_model_idx ON scene_vectors (video_id, model, kind);

-- Down Migration

DROP INDEX IF EXISTS scene_vectors_video_model_idx;
ALTER TABLE scene_vectors DROP COLUMN IF EXISTS video_id;
