CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email varchar(255) NOT NULL,
    name text,
    legacy_score integer,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE TABLE sessions (
    token text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL
);
CREATE INDEX users_created_at_idx ON users (created_at);
