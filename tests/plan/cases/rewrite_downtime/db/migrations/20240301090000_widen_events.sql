-- migrate:up
-- The id sequence is running out: widen it, give every event a stable uuid, and
-- require a payload. Each of these holds ACCESS EXCLUSIVE on the whole events table.
ALTER TABLE events ALTER COLUMN id TYPE bigint;
ALTER TABLE events ADD COLUMN uuid uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE events ALTER COLUMN payload SET NOT NULL;
ALTER TABLE events ALTER COLUMN created_at TYPE timestamptz;
CREATE UNIQUE INDEX events_uuid_key ON events (uuid);

-- migrate:down
DROP INDEX events_uuid_key;
ALTER TABLE events ALTER COLUMN created_at TYPE timestamp;
ALTER TABLE events ALTER COLUMN payload DROP NOT NULL;
ALTER TABLE events DROP COLUMN uuid;
ALTER TABLE events ALTER COLUMN id TYPE integer;
