-- The objects seen in a scene (the objects stage's COCO labels). vision_tags (since 0001) holds them whole: one
-- entry per label with its Korean name, best confidence, share of the frame, count and the times it was seen.
-- object_labels is what lexical search matches them by: each label's English and Korean names and other common
-- names, one label a line; its normalised copy is computed by the database (search_normalize() of migration
-- 0007), as for transcripts and screen text. Runs unchanged on PostgreSQL 15 and on PGlite.

-- Up Migration

ALTER TABLE scenes ADD COLUMN object_labels text NOT NULL DEFAULT '';
ALTER TABLE scenes ADD COLUMN object_labels_norm text GENERATED ALWAYS AS (search_normalize(object_labels)) STORED;

-- Down Migration

ALTER TABLE scenes DROP COLUMN IF EXISTS object_labels_norm;
ALTER TABLE scenes DROP COLUMN IF EXISTS object_labels;
