-- A scene is described by more than its middle frame: the pipeline looks at about one frame every
-- KEYFRAME_INTERVAL_SECONDS of a scene (at most KEYFRAME_MAX_PER_SCENE) and keeps each frame's image vector
-- here; picture search ranks a scene by its best-matching frame (api/search/repository.ts nearest()), so
-- something seen only in a long scene's first seconds still finds it. scenes.image_vec keeps the frames'
-- normalized mean, and search reads it as one more vector of the scene, so scenes written before this table,
-- or by anything that writes only scenes, are found as before. One partial HNSW index per dimension in use,
-- as in migration 0005. Runs unchanged on PostgreSQL 15 + pgvector 0.8 and on PGlite.

-- Up Migration

CREATE TABLE scene_frames (
  scene_id uuid NOT NULL REFERENCES scenes (scene_id) ON DELETE CASCADE,
  idx integer NOT NULL CHECK (idx >= 0),
  at_s double precision NOT NULL CHECK (at_s >= 0),
  image_vec vector NOT NULL,
  PRIMARY KEY (scene_id, idx)
);
CREATE INDEX scene_frames_image_vec_1152_hnsw_idx ON scene_frames
  USING hnsw ((image_vec::vector(1152)) vector_cosine_ops) WHERE vector_dims(image_vec) = 1152;

-- Down Migration

DROP TABLE IF EXISTS scene_frames;
