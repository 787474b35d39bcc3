-- Up Migration
-- What the REST API needs beyond the first schema: the uploaded file's display name and the error
-- category a person is shown, extra token subjects linked to one user, and uploads in flight.

ALTER TABLE videos
  ADD COLUMN filename text,
  ADD COLUMN error_category text CHECK (error_category IN ('BadInput', 'Transient', 'Internal'));

-- A second identity-provider subject that was linked to an existing user by a verified email.
CREATE TABLE user_identities (
  auth_user_id text PRIMARY KEY CHECK (auth_user_id <> ''),
  user_id uuid NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_identities_user_idx ON user_identities (user_id);
CREATE INDEX users_verified_email_idx ON users (lower(email)) WHERE email_verified;

-- One row per video whose bytes are still arriving; gone once the upload completes or is abandoned.
CREATE TABLE uploads (
  video_id uuid PRIMARY KEY REFERENCES videos (video_id) ON DELETE CASCADE,
  -- The S3 multipart upload id; NULL for a single presigned PUT.
  multipart_id text,
  part_size bigint CHECK (part_size > 0),
  part_count integer CHECK (part_count > 0),
  -- The spoken language the client asked for, handed to ingestion on complete.
  language text,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uploads_expires_idx ON uploads (expires_at);

-- Down Migration
DROP TABLE uploads;
DROP INDEX users_verified_email_idx;
DROP TABLE user_identities;
ALTER TABLE videos DROP COLUMN error_category, DROP COLUMN filename;
