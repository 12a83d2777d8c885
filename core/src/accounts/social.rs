//! Social login (카카오, 네이버, Google) over OAuth 2.0 / OpenID Connect: the
//! authorization code flow with PKCE (S256) and state. The provider identifies the
//! person by a subject that never changes; a `(provider, subject)` identity is linked
//! to exactly one Marquee account, and the first login with it creates that account.
//!
//! The person is identified through the provider's userinfo endpoint, called with the
//! access token the code was exchanged for, over the server's own connection; Kakao
//! and Naver are OAuth 2.0 only, so this is the one way that works for all three.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::secret::Secret;

/// A provider Marquee knows, with its public endpoints by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    Kakao,
    Naver,
    Google,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [
        ProviderKind::Kakao,
        ProviderKind::Naver,
        ProviderKind::Google,
    ];

    /// The name in URLs, settings and the database.
    pub fn key(self) -> &'static str {
        match self {
            ProviderKind::Kakao => "kakao",
            ProviderKind::Naver => "naver",
            ProviderKind::Google => "google",
        }
    }

    pub fn from_key(key: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|kind| kind.key() == key)
    }

    /// The button's words, as each provider's guidelines word them.
    pub fn label(self) -> &'static str {
        match self {
            ProviderKind::Kakao => "카카오로 시작하기",
            ProviderKind::Naver => "네이버로 시작하기",
            ProviderKind::Google => "Google로 시작하기",
        }
    }

    /// Authorization, token and userinfo endpoints.
    pub fn default_endpoints(self) -> [&'static str; 3] {
        match self {
            ProviderKind::Kakao => [
                "https://kauth.kakao.com/oauth/authorize",
                "https://kauth.kakao.com/oauth/token",
                "https://kapi.kakao.com/v2/user/me",
            ],
            ProviderKind::Naver => [
                "https://nid.naver.com/oauth2.0/authorize",
                "https://nid.naver.com/oauth2.0/token",
                "https://openapi.naver.com/v1/nid/me",
            ],
            ProviderKind::Google => [
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                "https://openidconnect.googleapis.com/v1/userinfo",
            ],
        }
    }

    /// What to ask for: enough to name the account.
    pub fn scope(self) -> &'static str {
        match self {
            ProviderKind::Kakao => "profile_nickname account_email",
            ProviderKind::Naver => "",
            ProviderKind::Google => "openid email profile",
        }
    }
}

/// One configured provider.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    pub client_id: String,
    pub client_secret: Secret,
    pub authorize_url: reqwest::Url,
    pub token_url: reqwest::Url,
    pub userinfo_url: reqwest::Url,
}

/// Who the provider says signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocialProfile {
    pub subject: String,
    pub email: Option<String>,
    pub nickname: Option<String>,
}

/// A fresh PKCE verifier (43 characters of base64url) and its S256 challenge.
pub fn pkce_pair() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = pkce_challenge(&verifier);
    (verifier, challenge)
}

pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A random `state`: ties the provider's answer to the request this browser made.
pub fn new_state() -> String {
    let mut bytes = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Clone)]
pub struct SocialClient {
    http: reqwest::Client,
}

impl Default for SocialClient {
    fn default() -> Self {
        SocialClient {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .connect_timeout(Duration::from_secs(3))
                .build()
                .expect("http client builds with static settings"),
        }
    }
}

fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::SocialProviderUnavailable(Box::new(err))
}

impl SocialClient {
    /// Where to send the browser: the provider's consent page for this request.
    pub fn authorization_url(
        provider: &ProviderConfig,
        redirect_uri: &str,
        state: &str,
        challenge: &str,
    ) -> reqwest::Url {
        let mut url = provider.authorize_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &provider.client_id)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("state", state)
                .append_pair("code_challenge", challenge)
                .append_pair("code_challenge_method", "S256");
            if !provider.kind.scope().is_empty() {
                query.append_pair("scope", provider.kind.scope());
            }
        }
        url
    }

    /// Trades the code (with the PKCE verifier of the request that got it) for an
    /// access token, and asks the provider who it belongs to. A refused code is
    /// SOCIAL_LOGIN_FAILED; a provider that cannot be reached or answers nonsense is
    /// SOCIAL_PROVIDER_UNAVAILABLE.
    pub async fn profile(
        &self,
        provider: &ProviderConfig,
        code: &str,
        verifier: &str,
        redirect_uri: &str,
    ) -> Result<SocialProfile> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("client_id", provider.client_id.as_str()),
            ("client_secret", provider.client_secret.expose()),
            ("code_verifier", verifier),
        ];
        let answer = self
            .http
            .post(provider.token_url.clone())
            .form(&form)
            .send()
            .await
            .map_err(unavailable)?;
        if answer.status().is_client_error() {
            return Err(Error::SocialLoginFailed);
        }
        let answer = answer.error_for_status().map_err(unavailable)?;
        let tokens: Value = answer.json().await.map_err(unavailable)?;
        let access_token = tokens["access_token"]
            .as_str()
            .ok_or(Error::SocialLoginFailed)?;
        let me: Value = self
            .http
            .get(provider.userinfo_url.clone())
            .bearer_auth(access_token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
        read_profile(provider.kind, &me).ok_or(Error::SocialLoginFailed)
    }
}

/// The subject, email and nickname in each provider's userinfo shape: OpenID Connect
/// (`sub`), Kakao (`id`, `kakao_account`) and Naver (`response`). The email is kept
/// only when the provider says it verified it (Google's `email_verified`, Kakao's
/// `is_email_verified` and `is_email_valid`); Naver says nothing of the kind, so its
/// email is not used. An unverified address would let anyone claim someone else's
/// email, and with it the account the configuration makes admin.
pub fn read_profile(kind: ProviderKind, me: &Value) -> Option<SocialProfile> {
    let text = |value: &Value| match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let yes = |value: &Value| value.as_bool() == Some(true);
    let (subject, email, nickname) = match kind {
        ProviderKind::Google => (
            &me["sub"],
            yes(&me["email_verified"]).then_some(&me["email"]),
            &me["name"],
        ),
        ProviderKind::Kakao => {
            let account = &me["kakao_account"];
            (
                &me["id"],
                (yes(&account["is_email_verified"]) && yes(&account["is_email_valid"]))
                    .then_some(&account["email"]),
                &account["profile"]["nickname"],
            )
        }
        ProviderKind::Naver => (&me["response"]["id"], None, &me["response"]["nickname"]),
    };
    Some(SocialProfile {
        subject: text(subject).filter(|s| s.len() <= 255)?,
        email: email.and_then(text),
        nickname: text(nickname),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_challenge_is_the_s256_of_the_verifier() {
        // RFC 7636, appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let (verifier, challenge) = pkce_pair();
        assert_eq!(verifier.len(), 43);
        assert_eq!(pkce_challenge(&verifier), challenge);
        assert_ne!(new_state(), new_state());
    }

    #[test]
    fn each_providers_answer_names_its_subject() {
        let kakao = json!({"id": 4_100_000_001_i64, "kakao_account": {
            "email": "a@kakao.kr", "is_email_verified": true, "is_email_valid": true,
            "profile": {"nickname": "라이언"}}});
        assert_eq!(
            read_profile(ProviderKind::Kakao, &kakao).unwrap(),
            SocialProfile {
                subject: "4100000001".into(),
                email: Some("a@kakao.kr".into()),
                nickname: Some("라이언".into()),
            }
        );
        let naver = json!({"resultcode": "00", "response": {"id": "n-1", "email": "n@naver.com"}});
        let naver = read_profile(ProviderKind::Naver, &naver).unwrap();
        assert_eq!((naver.subject.as_str(), naver.email), ("n-1", None));
        let google = json!({"sub": "1098", "email": "g@gmail.com", "email_verified": true});
        let google = read_profile(ProviderKind::Google, &google).unwrap();
        assert_eq!(google.email.as_deref(), Some("g@gmail.com"));
        // An address the provider did not verify is not taken.
        let unverified =
            json!({"sub": "1099", "email": "admin@marquee.local", "email_verified": false});
        assert_eq!(
            read_profile(ProviderKind::Google, &unverified)
                .unwrap()
                .email,
            None
        );
        let half = json!({"id": 1, "kakao_account": {"email": "a@b.kr", "is_email_valid": true}});
        assert_eq!(
            read_profile(ProviderKind::Kakao, &half).unwrap().email,
            None
        );
        assert!(read_profile(ProviderKind::Google, &json!({"email": "x@y.z"})).is_none());
        assert!(read_profile(ProviderKind::Kakao, &json!({"id": ""})).is_none());
    }
}
