-- Lexical search as people type: each scene keeps its transcript normalised for matching (NFKC, so full-width
-- Latin and digits and compatibility jamo fold onto their plain forms; lower case; punctuation as spaces; runs of
-- spaces as one), computed by the database itself so no writer can forget it. Search looks for Hangul in it with
-- the spaces removed (Korean is typed with and without spaces) and for Latin words at word starts, with strpos()
-- only, which behaves the same in PostgreSQL and PGlite. api/search/text.ts applies the same rules to queries;
-- its SEPARATORS must stay equal to the list below (a table test runs both on both databases).
-- Runs unchanged on PostgreSQL 15 and on PGlite.

-- Up Migration

CREATE FUNCTION search_normalize(t text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $fn$
    SELECT btrim(regexp_replace(
      translate(lower(normalize(t, NFKC)), sep, repeat(' ', length(sep))),
      ' {2,}', ' ', 'g'))
      FROM (SELECT E'\t\n\r\f\x0B!"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~、。〈〉《》「」『』【】〔〕・·…‘’“”'::text AS sep) s
  $fn$;

ALTER TABLE scenes ADD COLUMN transcript_norm text GENERATED ALWAYS AS (search_normalize(transcript)) STORED;

-- Down Migration

ALTER TABLE scenes DROP COLUMN IF EXISTS transcript_norm;
DROP FUNCTION IF EXISTS search_normalize(text);
