//! A real OpenID provider for the sign-in tests: `tests/oidc/provider.mjs` (panva's
//! oidc-provider under node) on a loopback port, started and stopped by the test; and a
//! browser-like client that keeps cookies, follows the flow by hand and signs in at the
//! provider's own login form.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use consilium::auth::oidc::OidcSettings;
use consilium::domain::sign_in::Provisioning;
use reqwest::header::LOCATION;
use serde_json::{Value, json};

use crate::helpers::TestApp;

pub const CLIENT_ID: &str = "consilium-test";
pub const CLIENT_SECRET: &str = "client-secret-for-tests-0123456789";
/// The password of every account at the test provider.
pub const PROVIDER_PASSWORD: &str = "e-CPS-test-1234";
/// Dr Martin's RPPS number, in the `SubjectNameID` claim.
pub const MARTIN_RPPS: &str = "810001234567";

pub struct TestProvider {
    pub issuer: String,
    child: Child,
    http: reqwest::Client,
}

impl TestProvider {
    /// Starts the provider. Without node or its modules the test fails: the sign-in half of
    /// the suite is never skipped.
    pub fn start() -> TestProvider {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oidc");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/oidc-provider")
                .exists(),
            "tests/oidc/node_modules is missing: run the suite with scripts/test, which installs \
             the test OpenID provider (npm ci in tests/oidc)"
        );
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node tests/oidc/provider.mjs (is node installed?)");
        let mut line = String::new();
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let _ = out.read_line(&mut line);
        // Keep reading what it prints, so that it never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let issuer = line
            .trim()
            .strip_prefix("ready ")
            .unwrap_or_else(|| panic!("the test OpenID provider did not start: {line:?}"))
            .to_string();
        TestProvider {
            issuer,
            child,
            http: reqwest::Client::new(),
        }
    }

    /// The service's settings for this provider.
    pub fn settings(&self, provision: Provisioning) -> OidcSettings {
        OidcSettings {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            claim: "SubjectNameID".into(),
            provision,
            label: "Pro Santé Connect".into(),
        }
    }

    /// Adds an account at the provider (password `PROVIDER_PASSWORD`).
    pub async fn add_account(&self, login: &str, claims: Value) {
        let res = self
            .http
            .post(format!("{}/test/accounts", self.issuer))
            .json(&json!({ login: { "claims": claims } }))
            .send()
            .await
            .expect("provider control");
        assert_eq!(res.status().as_u16(), 204);
    }

    /// From now on, ID tokens are re-signed with `key` (`real`, `foreign-same-kid`,
    /// `foreign-new-kid`; `none` stops), their claims overridden.
    pub async fn tokens(&self, key: &str, overrides: Value) {
        let res = self
            .http
            .post(format!("{}/test/tokens", self.issuer))
            .json(&json!({ "key": key, "override": overrides }))
            .send()
            .await
            .expect("provider control");
        assert_eq!(res.status().as_u16(), 204);
    }
}

impl Drop for TestProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A browser: its own cookies, redirects followed by hand.
pub struct Browser {
    pub http: reqwest::Client,
}

/// A response's status and `Location`.
pub struct Hop {
    pub status: u16,
    pub location: String,
}

impl Browser {
    pub fn new() -> Browser {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { http }
    }

    pub async fn get(&self, url: &str) -> Hop {
        let res = self.http.get(url).send().await.expect("GET");
        hop(res)
    }

    /// `/api/auth/oidc/start` with this `return_to` (raw, already encoded).
    pub async fn start(&self, app: &TestApp, return_to: Option<&str>) -> Hop {
        let query = return_to.map_or(String::new(), |r| format!("?return_to={r}"));
        self.get(&format!("{}/api/auth/oidc/start{query}", app.url))
            .await
    }

    /// From the provider's authorization URL to the callback URL it sends the browser to,
    /// signing in at its login form as `login`.
    pub async fn at_provider(&self, authorize: &str, login: &str) -> String {
        let origin = origin_of(authorize);
        let mut next = authorize.to_string();
        for _ in 0..10 {
            let res = self.http.get(&next).send().await.expect("provider GET");
            if res.status().is_redirection() {
                let to = hop(res).location;
                if to.contains("/api/auth/oidc/callback") {
                    return to;
                }
                next = absolute(&origin, &to);
                continue;
            }
            // The login page: post its form.
            let url = res.url().clone();
            let page = res.text().await.expect("login page");
            assert!(page.contains("name=\"login\""), "not a login page: {page}");
            let action = format!("{}/login", url.path());
            let res = self
                .http
                .post(absolute(&origin, &action))
                .form(&[("login", login), ("password", PROVIDER_PASSWORD)])
                .send()
                .await
                .expect("provider POST");
            assert!(
                res.status().is_redirection(),
                "login refused: {}",
                res.status()
            );
            next = absolute(&origin, &hop(res).location);
        }
        panic!("the provider did not send the browser back");
    }

    /// The whole flow as `login`: the service's final redirect (`/#/signed-in?code=…` or
    /// `/#/sign-in?error=…`).
    pub async fn sign_in(&self, app: &TestApp, login: &str, return_to: Option<&str>) -> String {
        let start = self.start(app, return_to).await;
        assert_eq!(start.status, 302);
        let callback = self.at_provider(&start.location, login).await;
        let end = self.get(&callback).await;
        assert_eq!(end.status, 302);
        end.location
    }
}

fn hop(res: reqwest::Response) -> Hop {
    Hop {
        status: res.status().as_u16(),
        location: res
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    }
}

fn origin_of(url: &str) -> String {
    let parsed = reqwest::Url::parse(url).expect("URL");
    parsed.origin().ascii_serialization()
}

fn absolute(origin: &str, to: &str) -> String {
    if to.starts_with("http://") || to.starts_with("https://") {
        to.to_string()
    } else {
        format!("{origin}{to}")
    }
}

/// The one-time code of a `/#/signed-in?code=…` redirect.
pub fn code_of(location: &str) -> &str {
    location
        .strip_prefix("/#/signed-in?code=")
        .unwrap_or_else(|| panic!("not signed in: {location}"))
}

/// The failure code of a `/#/sign-in?error=…` redirect.
pub fn error_of(location: &str) -> &str {
    location
        .strip_prefix("/#/sign-in?error=")
        .unwrap_or_else(|| panic!("not a failure: {location}"))
}
