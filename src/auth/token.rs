//! Signed tokens: HS256 JWTs carrying `sub` (user id), `iat`, `exp` and `jti` (the token id
//! kept server-side so that a token can be revoked before it expires).

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// Signing and verification keys of the service.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl_secs: i64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
}

impl Keys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Keys {
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    pub fn ttl_secs(&self) -> i64 {
        self.ttl_secs
    }

    /// Issues a token for `user_id` valid from `now` (unix seconds) for the configured lifetime.
    pub fn issue(
        &self,
        user_id: &str,
        token_id: &str,
        now: i64,
    ) -> Result<(String, Claims), TokenError> {
        self.issue_until(user_id, token_id, now, now.saturating_add(self.ttl_secs))
    }

    /// A token valid from `now` until `exp` (a refreshed one ends with its sign-in's 12 h).
    pub fn issue_until(
        &self,
        user_id: &str,
        token_id: &str,
        now: i64,
        exp: i64,
    ) -> Result<(String, Claims), TokenError> {
        let claims = Claims {
            sub: user_id.to_string(),
            iat: now,
            exp,
            jti: token_id.to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)?;
        Ok((token, claims))
    }

    /// Checks the signature (HS256 only: `alg: none` and any other algorithm are refused) and
    /// the expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::new(b"0123456789abcdef0123456789abcdef", 3600)
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    #[test]
    fn issue_and_verify() {
        let (token, claims) = keys().issue("u1", "t1", now()).unwrap();
        assert_eq!(keys().verify(&token).unwrap(), claims);
        assert_eq!(claims.exp - claims.iat, 3600);
    }

    #[test]
    fn expired_is_refused() {
        let (token, _) = keys().issue("u1", "t1", now() - 7200).unwrap();
        assert_eq!(keys().verify(&token), Err(TokenError::Expired));
    }

    #[test]
    fn other_key_is_refused() {
        let other = Keys::new(b"another-secret-another-secret-xx", 3600);
        let (token, _) = other.issue("u1", "t1", now()).unwrap();
        assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn alg_none_is_refused() {
        use base64::Engine;
        let encode = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let header = encode(br#"{"alg":"none","typ":"JWT"}"#);
        let t = now();
        let payload =
            encode(format!(r#"{{"sub":"u1","iat":{t},"exp":{},"jti":"t1"}}"#, t + 60).as_bytes());
        let token = format!("{header}.{payload}.");
        assert_eq!(keys().verify(&token), Err(TokenError::Invalid));
    }
}
