-- Scene vectors take the dimension of whichever model made them: vector(1024) and vector(1152) were BGE-M3's and
-- SigLIP 2's, and multilingual-e5-small (the small profile) gives 384. The columns become plain `vector`, and an
-- HNSW index (which needs one dimension) is built per dimension in use, over a cast and for just the rows of that
-- dimension; search casts the same way and filters on vector_dims(), so the planner can pick the index, and a
-- query never meets a vector of another size. A model of a new dimension still works without an index
-- (search ranks the caller's rows exactly); give it one with a migration like this.
-- Runs unchanged on PostgreSQL 15 + pgvector 0.8 and on PGlite.

-- Up Migration

DROP INDEX IF EXISTS scenes_text_vec_hnsw_idx;
DROP INDEX IF EXISTS scenes_image_vec_hnsw_idx;
ALTER TABLE scenes ALTER COLUMN text_vec TYPE vector, ALTER COLUMN image_vec TYPE vector;
-- Text: multilingual-e5-small (384), BGE-M3 (1024). Pictures: SigLIP 2 so400m (1152).
CREATE INDEX scenes_text_vec_384_hnsw_idx ON scenes
  USING hnsw ((text_vec::vector(384)) vector_cosine_ops) WHERE vector_dims(text_vec) = 384;
CREATE INDEX scenes_text_vec_1024_hnsw_idx ON scenes
  USING hnsw ((text_vec::vector(1024)) vector_cosine_ops) WHERE vector_dims(text_vec) = 1024;
CREATE INDEX scenes_image_vec_1152_hnsw_idx ON scenes
  USING hnsw ((image_vec::vector(1152)) vector_cosine_ops) WHERE vector_dims(image_vec) = 1152;

-- Down Migration

DROP INDEX IF EXISTS scenes_text_vec_384_hnsw_idx;
DROP INDEX IF EXISTS scenes_text_vec_1024_hnsw_idx;
DROP INDEX IF EXISTS scenes_image_vec_1152_hnsw_idx;
-- Vectors of another size than the old columns' cannot go back; they are dropped rather than block the way down.
UPDATE scenes SET text_vec = NULL WHERE vector_dims(text_vec) <> 1024;
UPDATE scenes SET image_vec = NULL WHERE vector_dims(image_vec) <> 1152;
ALTER TABLE scenes ALTER COLUMN text_vec TYPE vector(1024), ALTER COLUMN image_vec TYPE vector(1152);
CREATE INDEX scenes_text_vec_hnsw_idx ON scenes USING hnsw (text_vec vector_cosine_ops);
CREATE INDEX scenes_image_vec_hnsw_idx ON scenes USING hnsw (image_vec vector_cosine_ops);
