-- Refreshing a token (API.md section 16): every token refreshed from one sign-in shares its
-- chain (the first token's id) and the time of that sign-in; sign-out revokes the chain.
-- Tokens issued before this migration are each their own chain.
ALTER TABLE auth_tokens ADD COLUMN chain_id TEXT;
ALTER TABLE auth_tokens ADD COLUMN signed_in_at TIMESTAMP;
CREATE INDEX auth_tokens_by_chain ON auth_tokens(chain_id);
