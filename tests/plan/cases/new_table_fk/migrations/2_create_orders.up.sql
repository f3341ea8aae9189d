-- Orders and their lines: two new tables, their foreign keys and indexes.
SET lock_timeout = '3s';

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    status text NOT NULL DEFAULT 'new',
    total_cents bigint NOT NULL CHECK (total_cents >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE orders IS 'One row per order a customer places.';

CREATE TABLE order_items (
    order_id bigint NOT NULL REFERENCES orders ON DELETE CASCADE,
    line integer NOT NULL,
    sku text NOT NULL,
    quantity integer NOT NULL CHECK (quantity > 0),
    gift_note text,
    PRIMARY KEY (order_id, line)
);

CREATE INDEX orders_customer_id_idx ON orders (customer_id);
CREATE INDEX orders_open_idx ON orders (created_at) WHERE status <> 'done';
CREATE INDEX ON order_items USING hash (sku);
