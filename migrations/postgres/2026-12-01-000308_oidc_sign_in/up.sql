-- Sign-in through an OpenID provider (API.md section 14).
-- The person's identifier at the provider (e.g. an RPPS number), unique when set.
ALTER TABLE users ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX users_by_external_id ON users(external_id);
-- A sign-in under way: created at /start, taken (deleted) once at /callback. Only hashes of
-- the state and of the browser's cookie are kept; the nonce and PKCE verifier live at most
-- ten minutes.
CREATE TABLE oidc_logins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    browser_hash TEXT NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    return_to TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_logins_by_expiry ON oidc_logins(expires_at);
-- The one-time code a signed-in browser exchanges for a token (60 s, once).
CREATE TABLE oidc_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    return_to TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX oidc_codes_by_expiry ON oidc_codes(expires_at);
