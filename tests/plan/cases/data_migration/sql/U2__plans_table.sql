ALTER TABLE accounts DROP CONSTRAINT accounts_plan_id_not_null;
ALTER TABLE accounts DROP CONSTRAINT accounts_plan_fk;
DROP TABLE plans;
ALTER TABLE accounts DROP COLUMN plan_id;
