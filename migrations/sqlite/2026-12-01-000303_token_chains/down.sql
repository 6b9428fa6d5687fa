DROP INDEX auth_tokens_by_chain;
ALTER TABLE auth_tokens DROP COLUMN signed_in_at;
ALTER TABLE auth_tokens DROP COLUMN chain_id;
