-- migrate:up
CREATE TABLE events (
    id serial PRIMARY KEY,
    kind text NOT NULL,
    payload jsonb,
    created_at timestamp NOT NULL DEFAULT now()
);
CREATE INDEX events_created_at_idx ON events (created_at);

-- migrate:down
DROP TABLE events;
