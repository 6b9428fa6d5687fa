//! The OpenID provider as this service's relying party sees it (API.md section 14), with the
//! `openidconnect` crate: discovery at start, the authorization URL (code flow, PKCE S256,
//! state and nonce), the code exchange at the token endpoint (`client_secret_basic`), and the
//! ID token's checks (signature against the provider's JWKS, `iss`, `aud`, `exp`, `nonce`).
//!
//! Holds no per-login state: what a login needs between `/start` and `/callback` is in the
//! database, so any instance can finish it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse, reqwest,
};
use serde::{Deserialize, Serialize};

use crate::domain::sign_in::{Identity, Provisioning, SignInFailure, claim_value};

/// The provider settings (`CONSILIUM_OIDC_*`).
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    /// The claim that names the person (`sub`, or e.g. `SubjectNameID`).
    pub claim: String,
    pub provision: Provisioning,
    pub label: String,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("scopes", &self.scopes)
            .field("claim", &self.claim)
            .field("provision", &self.provision)
            .field("label", &self.label)
            .finish()
    }
}

/// Every claim beyond the standard ones (`SubjectNameID` among them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub all: HashMap<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type Client = openidconnect::Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<Fields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Signature algorithms accepted for ID tokens: asymmetric only (a provider that also offers
/// HS256 would otherwise let anyone holding the client secret mint tokens).
const ALGS: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// The provider's keys are read again at most this often, when a token's signature does not
/// verify (the provider may have rotated its keys).
const REDISCOVER_AFTER: Duration = Duration::from_secs(60);

pub struct Provider {
    settings: OidcSettings,
    redirect: RedirectUrl,
    http: reqwest::Client,
    client: RwLock<Arc<Client>>,
    discovered: Mutex<Instant>,
}

impl Provider {
    /// Reads the provider's discovery document and keys; an error names the issuer and why.
    pub async fn discover(settings: OidcSettings, redirect_url: String) -> anyhow::Result<Self> {
        let http = reqwest::ClientBuilder::new()
            // The provider's endpoints are used as published: no redirect to elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .context("cannot build the HTTP client of the OpenID provider")?;
        let redirect = RedirectUrl::new(redirect_url.clone())
            .with_context(|| format!("the callback URL {redirect_url:?} is not a URL"))?;
        let client = build_client(&settings, &http, &redirect).await?;
        Ok(Provider {
            settings,
            redirect,
            http,
            client: RwLock::new(Arc::new(client)),
            discovered: Mutex::new(Instant::now()),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    fn client(&self) -> Arc<Client> {
        self.client
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// The provider's authorization URL for this login: code flow, the requested scopes,
    /// `state`, `nonce` and the S256 challenge of `pkce_verifier`.
    pub fn authorize_url(&self, state: &str, nonce: &str, pkce_verifier: &str) -> String {
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce_verifier.to_string(),
        ));
        let client = self.client();
        let (state, nonce) = (state.to_string(), nonce.to_string());
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(challenge);
        for scope in self.settings.scopes.iter().filter(|s| *s != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        request.url().0.to_string()
    }

    /// Exchanges the code and checks the ID token; the person it names.
    pub async fn identify(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, SignInFailure> {
        let client = self.client();
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| log_failure(SignInFailure::TokenExchange, &error_chain(&e)))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .set_redirect_uri(std::borrow::Cow::Borrowed(&self.redirect))
            .request_async(&self.http)
            .await
            .map_err(|e| log_failure(SignInFailure::TokenExchange, &error_chain(&e)))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| log_failure(SignInFailure::BadToken, &"no id_token in the answer"))?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match verify(&client, id_token, &nonce) {
            Ok(claims) => claims,
            Err(first) => {
                // Perhaps signed with a key published since the last read: read them again,
                // at most once a minute, and check once more.
                let Some(fresh) = self.rediscover().await else {
                    return Err(log_failure(SignInFailure::BadToken, &error_chain(&first)));
                };
                verify(&fresh, id_token, &nonce)
                    .map_err(|e| log_failure(SignInFailure::BadToken, &error_chain(&e)))?
            }
        };
        let mut identity = self.identity_of(&claims);
        if identity.external_id.is_empty()
            || (self.settings.provision == Provisioning::Create && identity.email.is_none())
        {
            self.complete_from_userinfo(&client, response.access_token(), &claims, &mut identity)
                .await;
        }
        if identity.external_id.is_empty() {
            return Err(log_failure(
                SignInFailure::MissingClaim,
                &format!("the token has no usable {:?} claim", self.settings.claim),
            ));
        }
        Ok(identity)
    }

    /// The person as the ID token names them; an empty `external_id` when the claim is absent.
    fn identity_of(&self, claims: &Claims) -> Identity {
        let external_id = if self.settings.claim == "sub" {
            claim_value(Some(&serde_json::Value::String(
                claims.subject().to_string(),
            )))
        } else {
            claim_value(claims.additional_claims().all.get(&self.settings.claim))
        };
        Identity {
            external_id: external_id.unwrap_or_default(),
            email: claims
                .email()
                .filter(|_| claims.email_verified() != Some(false))
                .map(|e| e.as_str().to_string()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
        }
    }

    /// Fills what the ID token lacks from the userinfo endpoint (for the same subject), when
    /// the provider has one: some providers, Pro Santé Connect among them, give the
    /// practitioner's identifiers there.
    async fn complete_from_userinfo(
        &self,
        client: &Client,
        access_token: &openidconnect::AccessToken,
        claims: &Claims,
        identity: &mut Identity,
    ) {
        let Ok(request) = client.user_info(access_token.clone(), Some(claims.subject().clone()))
        else {
            return;
        };
        let info: openidconnect::UserInfoClaims<OtherClaims, CoreGenderClaim> =
            match request.request_async(&self.http).await {
                Ok(info) => info,
                Err(e) => {
                    tracing::warn!(error = %e, "OpenID sign-in: the userinfo endpoint failed");
                    return;
                }
            };
        if identity.external_id.is_empty() {
            identity.external_id = if self.settings.claim == "sub" {
                info.subject().to_string()
            } else {
                claim_value(info.additional_claims().all.get(&self.settings.claim))
                    .unwrap_or_default()
            };
        }
        if identity.email.is_none() {
            identity.email = info
                .email()
                .filter(|_| info.email_verified() != Some(false))
                .map(|e| e.as_str().to_string());
        }
        if identity.name.is_none() {
            identity.name = info
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string());
        }
    }

    /// The client rebuilt from a fresh discovery, unless one was made less than a minute ago.
    async fn rediscover(&self) -> Option<Arc<Client>> {
        {
            let mut last = self.discovered.lock().ok()?;
            if last.elapsed() < REDISCOVER_AFTER {
                return None;
            }
            *last = Instant::now();
        }
        match build_client(&self.settings, &self.http, &self.redirect).await {
            Ok(client) => {
                let client = Arc::new(client);
                if let Ok(mut slot) = self.client.write() {
                    *slot = Arc::clone(&client);
                }
                Some(client)
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "OpenID provider: discovery failed again");
                None
            }
        }
    }
}

type Claims = openidconnect::IdTokenClaims<OtherClaims, CoreGenderClaim>;

fn verify(
    client: &Client,
    id_token: &openidconnect::IdToken<
        OtherClaims,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    nonce: &Nonce,
) -> Result<Claims, openidconnect::ClaimsVerificationError> {
    let verifier = client.id_token_verifier().set_allowed_algs(ALGS);
    id_token.claims(&verifier, nonce).cloned()
}

async fn build_client(
    settings: &OidcSettings,
    http: &reqwest::Client,
    redirect: &RedirectUrl,
) -> anyhow::Result<Client> {
    let issuer = IssuerUrl::new(settings.issuer.clone())
        .with_context(|| format!("CONSILIUM_OIDC_ISSUER: {:?} is not a URL", settings.issuer))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, http)
        .await
        .map_err(|e| anyhow::anyhow!("{}", error_chain(&e)))
        .with_context(|| {
            format!(
                "CONSILIUM_OIDC_ISSUER: the OpenID provider {} did not answer its discovery \
                 document (/.well-known/openid-configuration) and keys",
                settings.issuer
            )
        })?;
    Ok(Client::from_provider_metadata(
        metadata,
        ClientId::new(settings.client_id.clone()),
        Some(ClientSecret::new(settings.client_secret.clone())),
    )
    .set_redirect_uri(redirect.clone()))
}

/// An error and its causes, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Logs why a sign-in failed (never a code or a token), and gives the failure back.
fn log_failure(failure: SignInFailure, why: &dyn std::fmt::Display) -> SignInFailure {
    tracing::warn!(reason = failure.code(), detail = %why, "OpenID sign-in refused");
    failure
}

/// A fresh random secret: 32 bytes, in hex (a state, a nonce, a PKCE verifier, a browser's
/// cookie, a one-time code).
pub fn secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored of a secret: its SHA-256, in hex.
pub fn digest(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}
