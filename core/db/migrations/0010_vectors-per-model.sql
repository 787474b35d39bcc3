-- Scene vectors are kept per model, so two models' vectors can coexist and a model change re-embeds from stored
-- transcripts and keyframes while search keeps answering with the old vectors (docs/architecture-notes.md,
-- "Vectors per model").
--
-- scene_vectors: one row per (scene, model, kind, idx). kind 'text' is the transcript's vector (idx -1); kind
-- 'image' holds the scene's pooled picture vector (idx -1) and one vector per frame it was looked at (idx 0…, with
-- the frame's time), in one table because picture search ranks a scene by the best of all of them: one index walk
-- per model instead of two, one delete when a model's vectors go.
-- video_vectors: which model's vectors a video has, per kind (the writer keeps it in the same transaction): search
-- reads it to know which models to embed the query with, the re-embed reads it to know what is left to do.
--
-- HNSW indexes are per model and kind, over a cast to the model's dimension and for that model's rows only
-- (`(vec::vector(d)) … WHERE model = '…' AND kind = '…'`); the product creates one when it first writes a model's
-- vectors (core/db/vectors.ts), so a newly configured model gets its index without a migration.
--
-- Vectors written before this migration carry no model name: they are copied with model '' (and indexed per
-- dimension here, as 0005/0008 did). Search takes them to be the configured model's when their dimension is the
-- model's; the next index or re-embed of the video replaces them with labelled ones.
-- Runs unchanged on PostgreSQL 15 + pgvector 0.8 and on PGlite.

-- Up Migration

CREATE TABLE scene_vectors (
  scene_id uuid NOT NULL REFERENCES scenes (scene_id) ON DELETE CASCADE,
  model text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('text', 'image', 'screen')),
  idx integer NOT NULL DEFAULT -1 CHECK (idx >= -1),
  at_s double precision CHECK (at_s >= 0),
  vec vector NOT NULL,
  PRIMARY KEY (scene_id, model, kind, idx)
);

CREATE TABLE video_vectors (
  video_id uuid NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('text', 'image', 'screen')),
  model text NOT NULL,
  dims integer NOT NULL CHECK (dims > 0),
  written_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (video_id, kind)
);
CREATE INDEX video_vectors_model_idx ON video_vectors (kind, model);

INSERT INTO scene_vectors (scene_id, model, kind, idx, vec)
  SELECT scene_id, '', 'text', -1, text_vec FROM scenes WHERE text_vec IS NOT NULL;
INSERT INTO scene_vectors (scene_id, model, kind, idx, vec)
  SELECT scene_id, '', 'image', -1, image_vec FROM scenes WHERE image_vec IS NOT NULL;
INSERT INTO scene_vectors (scene_id, model, kind, idx, at_s, vec)
  SELECT scene_id, '', 'image', idx, at_s, image_vec FROM scene_frames;
-- A video's unlabelled vectors share one dimension per kind (one model wrote them); the largest count wins otherwise.
INSERT INTO video_vectors (video_id, kind, model, dims)
  SELECT DISTINCT ON (s.video_id, v.kind) s.video_id, v.kind, '', vector_dims(v.vec)
    FROM scene_vectors v JOIN scenes s USING (scene_id)
   GROUP BY s.video_id, v.kind, vector_dims(v.vec)
   ORDER BY s.video_id, v.kind, count(*) DESC;

CREATE INDEX scene_vectors_legacy_text_384_hnsw_idx ON scene_vectors
  USING hnsw ((vec::vector(384)) vector_cosine_ops) WHERE model = '' AND kind = 'text' AND vector_dims(vec) = 384;
CREATE INDEX scene_vectors_legacy_text_1024_hnsw_idx ON scene_vectors
  USING hnsw ((vec::vector(1024)) vector_cosine_ops) WHERE model = '' AND kind = 'text' AND vector_dims(vec) = 1024;
CREATE INDEX scene_vectors_legacy_image_1152_hnsw_idx ON scene_vectors
  USING hnsw ((vec::vector(1152)) vector_cosine_ops) WHERE model = '' AND kind = 'image' AND vector_dims(vec) = 1152;

DROP TABLE scene_frames;
ALTER TABLE scenes DROP COLUMN text_vec, DROP COLUMN image_vec;

-- Down Migration

ALTER TABLE scenes ADD COLUMN text_vec vector, ADD COLUMN image_vec vector;
CREATE TABLE scene_frames (
  scene_id uuid NOT NULL REFERENCES scenes (scene_id) ON DELETE CASCADE,
  idx integer NOT NULL CHECK (idx >= 0),
  at_s double precision NOT NULL CHECK (at_s >= 0),
  image_vec vector NOT NULL,
  PRIMARY KEY (scene_id, idx)
);
-- Of several models' vectors, the way down keeps the video's current model's (video_vectors).
UPDATE scenes s SET text_vec = v.vec FROM scene_vectors v JOIN scenes s2 USING (scene_id)
  JOIN video_vectors w ON w.video_id = s2.video_id AND w.kind = 'text' AND w.model = v.model
 WHERE v.scene_id = s.scene_id AND v.kind = 'text' AND v.idx = -1;
UPDATE scenes s SET image_vec = v.vec FROM scene_vectors v JOIN scenes s2 USING (scene_id)
  JOIN video_vectors w ON w.video_id = s2.video_id AND w.kind = 'image' AND w.model = v.model
 WHERE v.scene_id = s.scene_id AND v.kind = 'image' AND v.idx = -1;
INSERT INTO scene_frames (scene_id, idx, at_s, image_vec)
  SELECT v.scene_id, v.idx, coalesce(v.at_s, 0), v.vec FROM scene_vectors v JOIN scenes s USING (scene_id)
    JOIN video_vectors w ON w.video_id = s.video_id AND w.kind = 'image' AND w.model = v.model
   WHERE v.kind = 'image' AND v.idx >= 0;
CREATE INDEX scenes_text_vec_384_hnsw_idx ON scenes
  USING hnsw ((text_vec::vector(384)) vector_cosine_ops) WHERE vector_dims(text_vec) = 384;
CREATE INDEX scenes_text_vec_1024_hnsw_idx ON scenes
  USING hnsw ((text_vec::vector(1024)) vector_cosine_ops) WHERE vector_dims(text_vec) = 1024;
CREATE INDEX scenes_image_vec_1152_hnsw_idx ON scenes
  USING hnsw ((image_vec::vector(1152)) vector_cosine_ops) WHERE vector_dims(image_vec) = 1152;
CREATE INDEX scene_frames_image_vec_1152_hnsw_idx ON scene_frames
  USING hnsw ((image_vec::vector(1152)) vector_cosine_ops) WHERE vector_dims(image_vec) = 1152;
DROP TABLE video_vectors;
DROP TABLE scene_vectors;
