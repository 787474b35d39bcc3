-- What is written on screen in a scene (signs, slides, menus, burned-in subtitles), read by the ocr stage:
-- screen_text is its lines joined by newlines, screen_lines the lines themselves (text, box as fractions of
-- the frame, confidence, the times each was seen). Lexical search matches it as it matches transcripts, through
-- a normalised copy the database computes (search_normalize() of migration 0007), so no writer can skip it.
-- Runs unchanged on PostgreSQL 15 and on PGlite.

-- Up Migration

ALTER TABLE scenes ADD COLUMN screen_text text NOT NULL DEFAULT '';
ALTER TABLE scenes ADD COLUMN screen_lines jsonb;
ALTER TABLE scenes ADD COLUMN screen_text_norm text GENERATED ALWAYS AS (search_normalize(screen_text)) STORED;

-- Down Migration

ALTER TABLE scenes DROP COLUMN IF EXISTS screen_text_norm;
ALTER TABLE scenes DROP COLUMN IF EXISTS screen_lines;
ALTER TABLE scenes DROP COLUMN IF EXISTS screen_text;
