-- A later change to the live orders table, written the risky way.
ALTER TABLE orders ADD COLUMN shipped_at timestamp;
ALTER TABLE orders ADD COLUMN tracking_code varchar(40) NOT NULL;
CREATE INDEX orders_status_idx ON orders (status);
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
    FOREIGN KEY (customer_id) REFERENCES customers (id);
