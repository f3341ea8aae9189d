-- A new table and its index: nothing here touches a live table.
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL,
    status text,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE orders IS 'One row per customer order.';
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
