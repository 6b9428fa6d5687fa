DROP TABLE oidc_codes;
DROP TABLE oidc_logins;
DROP INDEX users_by_external_id;
ALTER TABLE users DROP COLUMN external_id;
