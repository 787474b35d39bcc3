-- The first schema: users, their videos, the scenes search runs over, per-stage jobs, and the
-- tables person search will fill. Column names listed in ARCHITECTURE.md ("Data") are a contract.
-- Runs unchanged on PostgreSQL 15 + pgvector 0.8 and on PGlite (PostgreSQL 18, wasm).

-- Up Migration

-- IF NOT EXISTS: where the role may not create extensions, an administrator creates them first.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- With a C character type, pg_trgm silently makes no trigrams from Hangul and Korean lexical
-- search finds nothing; refuse to go on rather than fail quietly later.
DO $$
BEGIN
  IF show_trgm('바닷가') = '{}'::text[] THEN
    RAISE EXCEPTION 'pg_trgm makes no trigrams from Korean text in database % (LC_CTYPE %)',
      current_database(), (SELECT datctype FROM pg_database WHERE datname = current_database())
      USING HINT = 'create the database with a UTF-8 character type, e.g. initdb -E UTF8 --locale=C.UTF-8, '
        'or CREATE DATABASE ... LC_CTYPE ''C.UTF-8'' TEMPLATE template0';
  END IF;
END
$$;

CREATE FUNCTION heimdex_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;

-- Text arrives as NFC or NFD (macOS file names, some subtitle tools); storing NFC makes
-- equality, ILIKE and trigrams agree with queries, which the API normalizes to NFC too.
CREATE FUNCTION heimdex_nfc_videos() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.title := normalize(NEW.title, NFC);
  NEW.description := normalize(NEW.description, NFC);
  RETURN NEW;
END
$$;

CREATE FUNCTION heimdex_nfc_scenes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.transcript := normalize(NEW.transcript, NFC);
  RETURN NEW;
END
$$;

CREATE TABLE users (
  user_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The token's subject; text because not every identity provider uses UUIDs.
  auth_user_id text NOT NULL UNIQUE CHECK (auth_user_id <> ''),
  -- Not unique: the subject is the identity, and two providers may vouch for one address.
  email text,
  email_verified boolean NOT NULL DEFAULT false,
  display_name text,
  tier text NOT NULL DEFAULT 'free' CHECK (tier <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION heimdex_touch_updated_at();

CREATE TABLE videos (
  video_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  title text NOT NULL DEFAULT '',
  description text,
  storage_key text NOT NULL UNIQUE,
  mime_type text,
  size_bytes bigint CHECK (size_bytes >= 0),
  duration_s double precision CHECK (duration_s >= 0),
  state text NOT NULL DEFAULT 'uploading'
    CHECK (state IN ('uploading', 'validating', 'processing', 'indexed', 'failed', 'deleted')),
  error_text text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Listing one state newest first: WHERE user_id = $1 AND state = $2 ORDER BY created_at DESC, video_id DESC.
CREATE INDEX videos_user_state_created_idx ON videos (user_id, state, created_at DESC, video_id DESC);
-- The default listing, every state but deleted, newest first, keyset-paginated on (created_at, video_id).
CREATE INDEX videos_user_created_live_idx ON videos (user_id, created_at DESC, video_id DESC)
  WHERE state <> 'deleted';
CREATE TRIGGER videos_touch_updated_at BEFORE UPDATE ON videos
  FOR EACH ROW EXECUTE FUNCTION heimdex_touch_updated_at();
CREATE TRIGGER videos_nfc BEFORE INSERT OR UPDATE OF title, description ON videos
  FOR EACH ROW EXECUTE FUNCTION heimdex_nfc_videos();

CREATE TABLE scenes (
  scene_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  video_id uuid NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  idx integer NOT NULL CHECK (idx >= 0),
  start_s double precision NOT NULL CHECK (start_s >= 0),
  end_s double precision NOT NULL,
  transcript text NOT NULL DEFAULT '',
  text_vec vector(1024),
  image_vec vector(1152),
  vision_tags jsonb,
  thumbnail_key text,
  sidecar_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT scenes_video_idx_key UNIQUE (video_id, idx),
  CONSTRAINT scenes_span_check CHECK (end_s >= start_s)
);
-- Embeddings are normalized by the models and compared by cosine distance (<=>).
CREATE INDEX scenes_text_vec_hnsw_idx ON scenes USING hnsw (text_vec vector_cosine_ops);
CREATE INDEX scenes_image_vec_hnsw_idx ON scenes USING hnsw (image_vec vector_cosine_ops);
-- Lexical search in Korean and English: ILIKE '%…%', %, <% and word_similarity.
CREATE INDEX scenes_transcript_trgm_idx ON scenes USING gin (transcript gin_trgm_ops);
CREATE TRIGGER scenes_nfc BEFORE INSERT OR UPDATE OF transcript ON scenes
  FOR EACH ROW EXECUTE FUNCTION heimdex_nfc_scenes();

CREATE TABLE jobs (
  job_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  video_id uuid NOT NULL REFERENCES videos (video_id) ON DELETE CASCADE,
  -- Stage names belong to the DAG in code, which may grow without a migration.
  stage text NOT NULL CHECK (stage <> ''),
  state text NOT NULL DEFAULT 'pending'
    CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
  -- Percent, 0–100; real so a stage may report fractions.
  progress real NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 100),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  started_at timestamptz,
  finished_at timestamptz,
  error_text text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT jobs_video_stage_key UNIQUE (video_id, stage)
);
-- The few unfinished jobs are what a resync looks for; finished ones are the bulk of the table.
CREATE INDEX jobs_unfinished_idx ON jobs (state, video_id) WHERE state IN ('pending', 'running');
CREATE TRIGGER jobs_touch_updated_at BEFORE UPDATE ON jobs
  FOR EACH ROW EXECUTE FUNCTION heimdex_touch_updated_at();

-- A person a user enrolled for person search: a name and a face embedding (ArcFace-style, 512-d).
CREATE TABLE face_profiles (
  profile_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  name text NOT NULL CHECK (name <> ''),
  face_vec vector(512),
  photo_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT face_profiles_user_name_key UNIQUE (user_id, name)
);
CREATE TRIGGER face_profiles_touch_updated_at BEFORE UPDATE ON face_profiles
  FOR EACH ROW EXECUTE FUNCTION heimdex_touch_updated_at();

-- Who appears in a scene, as matched against the scene owner's face profiles.
CREATE TABLE scene_people (
  scene_id uuid NOT NULL REFERENCES scenes (scene_id) ON DELETE CASCADE,
  profile_id uuid NOT NULL REFERENCES face_profiles (profile_id) ON DELETE CASCADE,
  confidence real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  -- Where the face is in the keyframe: {"x","y","w","h"} as fractions of the frame.
  bbox jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scene_id, profile_id)
);
CREATE INDEX scene_people_profile_idx ON scene_people (profile_id);

-- Down Migration

DROP TABLE IF EXISTS scene_people;
DROP TABLE IF EXISTS face_profiles;
DROP TABLE IF EXISTS jobs;
DROP TABLE IF EXISTS scenes;
DROP TABLE IF EXISTS videos;
DROP TABLE IF EXISTS users;
DROP FUNCTION IF EXISTS heimdex_nfc_scenes();
DROP FUNCTION IF EXISTS heimdex_nfc_videos();
DROP FUNCTION IF EXISTS heimdex_touch_updated_at();
-- The extensions stay: they may have been created by an administrator, or be used by others.
