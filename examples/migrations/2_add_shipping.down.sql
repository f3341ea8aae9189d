-- Forgets the index and the NOT NULL: rollback-incomplete says so.
ALTER TABLE orders DROP CONSTRAINT orders_customer_fk;
ALTER TABLE orders DROP COLUMN tracking_code;
ALTER TABLE orders DROP COLUMN shipped_at;
