-- Plain SQL files: there is no down migration, so pglint derives the inverse.
ALTER TABLE users DROP COLUMN legacy_score;
ALTER TABLE users RENAME COLUMN name TO full_name;
CREATE UNIQUE INDEX CONCURRENTLY users_email_lower_key ON users (lower(email));
DROP INDEX CONCURRENTLY users_created_at_idx;
DROP TABLE sessions;
CREATE TYPE user_role AS ENUM ('member', 'admin');
ALTER TABLE users ADD COLUMN role user_role NOT NULL DEFAULT 'member';
ALTER TABLE users ADD CONSTRAINT users_email_format CHECK (email LIKE '%@%') NOT VALID;
DO $$
BEGIN
    EXECUTE 'ANALYZE users';
END
$$;
