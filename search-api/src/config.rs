//! API settings, validated once when the router is built.

use std::fmt;
use std::time::Duration;

/// A bearer token. Its `Debug` and `Display` never show the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token; refuses empty tokens and tokens that cannot appear in a header.
    pub fn new(token: impl Into<String>) -> Result<Self, String> {
        let token = token.into();
        if token.len() < 16 {
            return Err("the API token must be at least 16 characters".into());
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the API token must be printable ASCII without spaces".into());
        }
        Ok(ApiToken(token))
    }

    /// True when `candidate` is this token (constant time in the candidate's content).
    pub fn matches(&self, candidate: &[u8]) -> bool {
        let secret = self.0.as_bytes();
        if candidate.len() != secret.len() {
            return false;
        }
        candidate
            .iter()
            .zip(secret)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

/// Limits of the API.
#[derive(Debug, Clone)]
pub struct ApiLimits {
    /// Longest time range a search or field census may cover.
    pub max_range: Duration,
    /// Largest page of hits.
    pub max_page: usize,
    /// Most tags in one search.
    pub max_tags: usize,
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Most field names returned by `/fields`.
    pub max_fields: usize,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            // A century: "all time" works on the embedded engine, where a search reads only
            // the partitions that exist; an Athena deployment sets a shorter one.
            max_range: Duration::from_secs(36_525 * 24 * 3600),
            max_page: 1000,
            max_tags: 1000,
            max_body: 64 * 1024,
            max_fields: 1000,
        }
    }
}

/// Everything the router needs besides the backend.
#[derive(Debug, Clone, Default)]
pub struct ApiConfig {
    /// Required bearer token for `/api/v1/*`, if any.
    pub token: Option<ApiToken>,
    /// Limits.
    pub limits: ApiLimits,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_validated_compared_and_never_printed() {
        assert!(ApiToken::new("short").is_err());
        assert!(ApiToken::new("has a space in it, long").is_err());
        let token = ApiToken::new("s3cr3t-token-0123456789").unwrap();
        assert!(token.matches(b"s3cr3t-token-0123456789"));
        assert!(!token.matches(b"s3cr3t-token-0123456780"));
        assert!(!token.matches(b"s3cr3t"));
        assert!(!format!("{token:?}").contains("s3cr3t"));
    }
}
