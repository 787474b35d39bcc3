-- Latin words are matched whole (api/search/text.ts, wordForms): "tax" must not find "taxi", nor "car" "career", as
-- the word-prefix match of 0007 did. A whole word ends at a space, so where Latin letters or digits meet Hangul
-- ("iPhone으로", "2026년", "갤럭시s24") search_normalize() now puts a space between the two runs, as the query side
-- (matchTerms) has always split them. Hangul is matched with spaces removed, so it is unaffected. The ranges are
-- code points (Hangul syllables, jamo, compatibility jamo, extended jamo), the same in PostgreSQL and PGlite and in
-- text.ts's SCRIPT_BREAK. The three normalised columns are computed anew by rewriting them.
-- Runs unchanged on PostgreSQL 15 and on PGlite.

-- Up Migration

CREATE OR REPLACE FUNCTION search_normalize(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $fn$
    SELECT btrim(regexp_replace(regexp_replace(regexp_replace(
      translate(lower(normalize(t, NFKC)), sep, repeat(' ', length(sep))),
      '([a-z0-9])([가-힣ᄀ-ᇿ㄰-㆏ꥠ-꥿ힰ-퟿])', '\1 \2', 'g'),
      '([가-힣ᄀ-ᇿ㄰-㆏ꥠ-꥿ힰ-퟿])([a-z0-9])', '\1 \2', 'g'),
      ' {2,}', ' ', 'g'))
      FROM (SELECT E'\t\n\r\f\x0B!"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~、。〈〉《》「」『』【】〔〕・·…‘’“”'::text AS sep) s
  $fn$;

-- A stored generated column is computed on write: dropping and adding them again computes every row anew.
ALTER TABLE scenes DROP COLUMN transcript_norm, DROP COLUMN screen_text_norm, DROP COLUMN object_labels_norm;
ALTER TABLE scenes
  ADD COLUMN transcript_norm text GENERATED ALWAYS AS (search_normalize(transcript)) STORED,
  ADD COLUMN screen_text_norm text GENERATED ALWAYS AS (search_normalize(screen_text)) STORED,
  ADD COLUMN object_labels_norm text GENERATED ALWAYS AS (search_normalize(object_labels)) STORED;

-- Down Migration

CREATE OR REPLACE FUNCTION search_normalize(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $fn$
    SELECT btrim(regexp_replace(
      translate(lower(normalize(t, NFKC)), sep, repeat(' ', length(sep))),
      ' {2,}', ' ', 'g'))
      FROM (SELECT E'\t\n\r\f\x0B!"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~、。〈〉《》「」『』【】〔〕・·…‘’“”'::text AS sep) s
  $fn$;
ALTER TABLE scenes DROP COLUMN transcript_norm, DROP COLUMN screen_text_norm, DROP COLUMN object_labels_norm;
ALTER TABLE scenes
  ADD COLUMN transcript_norm text GENERATED ALWAYS AS (search_normalize(transcript)) STORED,
  ADD COLUMN screen_text_norm text GENERATED ALWAYS AS (search_normalize(screen_text)) STORED,
  ADD COLUMN object_labels_norm text GENERATED ALWAYS AS (search_normalize(object_labels)) STORED;
