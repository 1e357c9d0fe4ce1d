//! Settings of the three functions, read once per cold start from the environment (the SAM
//! template sets them) and validated into private fields.

use std::time::Duration;

use minerva_store::Location;

/// A setting that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct ConfigError {
    /// The variable.
    pub name: &'static str,
    /// Why.
    pub reason: String,
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        name,
        reason: reason.into(),
    }
}

/// Reads variables: the process environment, or a map in tests.
pub trait Vars {
    /// The value of `name`, if set and not empty.
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct Env;

impl Vars for Env {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<const N: usize> Vars for [(&str, &str); N] {
    fn get(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty())
    }
}

fn number<T: std::str::FromStr>(
    vars: &dyn Vars,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match vars.get(name) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|_| invalid(name, format!("{text:?} is not a number"))),
    }
}

fn data_location(vars: &dyn Vars) -> Result<String, ConfigError> {
    let data = vars
        .get("MINERVA_DATA")
        .ok_or_else(|| invalid("MINERVA_DATA", "must be set to s3://bucket/prefix"))?;
    match Location::parse(&data) {
        Ok(Location::S3 { .. }) => Ok(data),
        Ok(Location::Local(_)) if vars.get("MINERVA_ALLOW_LOCAL_DATA").is_some() => Ok(data),
        Ok(Location::Local(_)) => Err(invalid("MINERVA_DATA", "must be an s3:// location")),
        Err(e) => Err(invalid("MINERVA_DATA", e.to_string())),
    }
}

/// The indexer function's settings.
#[derive(Debug, Clone)]
pub struct IndexerSettings {
    data: String,
    rules: Option<String>,
    max_receive_count: u32,
    memory_budget_mb: Option<usize>,
    deadline_margin: Duration,
}

impl IndexerSettings {
    /// Reads `MINERVA_DATA` (required), `MINERVA_CONFIG` (per-source rules: a file in the
    /// package or `s3://bucket/key.toml`), `MINERVA_MAX_RECEIVE_COUNT` (the queue's redrive
    /// count, default 5), `MINERVA_MEMORY_BUDGET_MB` (default: a quarter of the function's
    /// memory) and `MINERVA_DEADLINE_MARGIN_SECS` (default 60).
    pub fn try_from_vars(vars: &dyn Vars) -> Result<Self, ConfigError> {
        let max_receive_count = number(vars, "MINERVA_MAX_RECEIVE_COUNT", 5u32)?;
        if max_receive_count == 0 {
            return Err(invalid("MINERVA_MAX_RECEIVE_COUNT", "must be at least 1"));
        }
        let memory_budget_mb = match vars.get("MINERVA_MEMORY_BUDGET_MB") {
            Some(_) => Some(number(vars, "MINERVA_MEMORY_BUDGET_MB", 0usize)?),
            None => vars
                .get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
                .and_then(|m| m.parse::<usize>().ok())
                .map(|m| (m / 4).max(64)),
        };
        Ok(IndexerSettings {
            data: data_location(vars)?,
            rules: vars.get("MINERVA_CONFIG"),
            max_receive_count,
            memory_budget_mb,
            deadline_margin: Duration::from_secs(number(
                vars,
                "MINERVA_DEADLINE_MARGIN_SECS",
                60u64,
            )?),
        })
    }

    /// The index location.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// Where the per-source rules are, if anywhere.
    pub fn rules(&self) -> Option<&str> {
        self.rules.as_deref()
    }

    /// Receives after which a failing message goes to the dead-letter queue.
    pub fn max_receive_count(&self) -> u32 {
        self.max_receive_count
    }

    /// Memory for buffered rows, MiB.
    pub fn memory_budget_mb(&self) -> Option<usize> {
        self.memory_budget_mb
    }

    /// Time kept free before the function's deadline.
    pub fn deadline_margin(&self) -> Duration {
        self.deadline_margin
    }
}

/// The merger function's settings.
#[derive(Debug, Clone)]
pub struct MergerSettings {
    data: String,
    lookback_hours: i64,
    deadline_margin: Duration,
}

impl MergerSettings {
    /// Reads `MINERVA_DATA` (required), `MINERVA_MERGE_LOOKBACK_HOURS` (hours before the current
    /// one that a scheduled run merges, default 168: late data lands in recent hours) and
    /// `MINERVA_DEADLINE_MARGIN_SECS` (default 180: no merge starts later than this before the
    /// deadline).
    pub fn try_from_vars(vars: &dyn Vars) -> Result<Self, ConfigError> {
        let lookback_hours = number(vars, "MINERVA_MERGE_LOOKBACK_HOURS", 168i64)?;
        if lookback_hours < 1 {
            return Err(invalid(
                "MINERVA_MERGE_LOOKBACK_HOURS",
                "must be at least 1",
            ));
        }
        Ok(MergerSettings {
            data: data_location(vars)?,
            lookback_hours,
            deadline_margin: Duration::from_secs(number(
                vars,
                "MINERVA_DEADLINE_MARGIN_SECS",
                180u64,
            )?),
        })
    }

    /// The index location.
    pub fn data(&self) -> &str {
        &self.data
    }

    /// Hours a scheduled run looks back.
    pub fn lookback_hours(&self) -> i64 {
        self.lookback_hours
    }

    /// Time kept free before the function's deadline.
    pub fn deadline_margin(&self) -> Duration {
        self.deadline_margin
    }
}

/// How the search API authenticates callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiAuth {
    /// A bearer token checked by the function: read from Secrets Manager at cold start
    /// (`MINERVA_API_TOKEN_SECRET`), or given directly (`MINERVA_API_TOKEN`, for tests).
    Token(TokenSource),
    /// API Gateway's JWT authorizer checks callers before the function runs.
    Jwt,
}

/// Where the bearer token comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A Secrets Manager secret (ARN or name).
    Secret(String),
    /// The token itself.
    Value(String),
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Secret(id) => write!(f, "Secret({id})"),
            TokenSource::Value(_) => write!(f, "Value(<redacted>)"),
        }
    }
}

/// The search function's settings.
#[derive(Debug, Clone)]
pub struct SearchSettings {
    data: Option<String>,
    workgroup: String,
    database: String,
    output: Option<String>,
    auth: ApiAuth,
    max_range_days: u64,
}

impl SearchSettings {
    /// Reads `MINERVA_ATHENA_WORKGROUP` and `MINERVA_ATHENA_DATABASE` (required),
    /// `MINERVA_ATHENA_OUTPUT`, `MINERVA_DATA` (for cost estimates), `MINERVA_API_AUTH`
    /// (`token`, the default, or `jwt`), `MINERVA_API_TOKEN_SECRET` or `MINERVA_API_TOKEN`, and
    /// `MINERVA_MAX_RANGE_DAYS` (default 31). Token auth without a token is refused: the
    /// search endpoint is never open.
    pub fn try_from_vars(vars: &dyn Vars) -> Result<Self, ConfigError> {
        let required =
            |name: &'static str| vars.get(name).ok_or_else(|| invalid(name, "must be set"));
        let auth = match vars.get("MINERVA_API_AUTH").as_deref().unwrap_or("token") {
            "jwt" => ApiAuth::Jwt,
            "token" => match (
                vars.get("MINERVA_API_TOKEN_SECRET"),
                vars.get("MINERVA_API_TOKEN"),
            ) {
                (Some(secret), _) => ApiAuth::Token(TokenSource::Secret(secret)),
                (None, Some(token)) => ApiAuth::Token(TokenSource::Value(token)),
                (None, None) => {
                    return Err(invalid(
                        "MINERVA_API_TOKEN_SECRET",
                        "token auth needs a secret (or MINERVA_API_AUTH=jwt behind an authorizer)",
                    ));
                }
            },
            other => {
                return Err(invalid(
                    "MINERVA_API_AUTH",
                    format!("{other:?} is not token or jwt"),
                ));
            }
        };
        let max_range_days = number(vars, "MINERVA_MAX_RANGE_DAYS", 31u64)?;
        if max_range_days == 0 {
            return Err(invalid("MINERVA_MAX_RANGE_DAYS", "must be at least 1"));
        }
        Ok(SearchSettings {
            data: vars.get("MINERVA_DATA"),
            workgroup: required("MINERVA_ATHENA_WORKGROUP")?,
            database: required("MINERVA_ATHENA_DATABASE")?,
            output: vars.get("MINERVA_ATHENA_OUTPUT"),
            auth,
            max_range_days,
        })
    }

    /// The index location, for estimates.
    pub fn data(&self) -> Option<&str> {
        self.data.as_deref()
    }

    /// Athena workgroup.
    pub fn workgroup(&self) -> &str {
        &self.workgroup
    }

    /// Glue database.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Athena output location, when not the workgroup's.
    pub fn output(&self) -> Option<&str> {
        self.output.as_deref()
    }

    /// How callers are authenticated.
    pub fn auth(&self) -> &ApiAuth {
        &self.auth
    }

    /// Longest range of one search, days.
    pub fn max_range_days(&self) -> u64 {
        self.max_range_days
    }
}

/// Reads the per-source rules (`minerva.toml` format) from a file in the package or from
/// `s3://bucket/key`.
pub async fn read_rules(location: &str) -> anyhow::Result<String> {
    match Location::parse(location)? {
        Location::S3 { bucket, prefix } => {
            use object_store::ObjectStoreExt;
            let store = minerva_store::open_s3_bucket(&bucket)?;
            let bytes = store
                .get(&object_store::path::Path::from(prefix.as_str()))
                .await?
                .bytes()
                .await?;
            Ok(String::from_utf8(bytes.to_vec())?)
        }
        Location::Local(path) => Ok(std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_indexer_needs_an_s3_location_and_sane_numbers() {
        assert!(IndexerSettings::try_from_vars(&[("MINERVA_DATA", "")]).is_err());
        assert!(IndexerSettings::try_from_vars(&[("MINERVA_DATA", "/tmp/x")]).is_err());
        let s = IndexerSettings::try_from_vars(&[
            ("MINERVA_DATA", "s3://idx/minerva"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048"),
        ])
        .unwrap();
        assert_eq!(s.memory_budget_mb(), Some(512));
        assert_eq!(s.max_receive_count(), 5);
        let e = IndexerSettings::try_from_vars(&[
            ("MINERVA_DATA", "s3://idx/minerva"),
            ("MINERVA_MAX_RECEIVE_COUNT", "many"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "MINERVA_MAX_RECEIVE_COUNT");
    }

    #[test]
    fn the_search_api_is_never_open() {
        let base = [
            ("MINERVA_ATHENA_WORKGROUP", "minerva"),
            ("MINERVA_ATHENA_DATABASE", "minerva"),
        ];
        assert!(SearchSettings::try_from_vars(&base).is_err());
        let jwt = SearchSettings::try_from_vars(&[base[0], base[1], ("MINERVA_API_AUTH", "jwt")])
            .unwrap();
        assert_eq!(jwt.auth(), &ApiAuth::Jwt);
        let secret = SearchSettings::try_from_vars(&[
            base[0],
            base[1],
            ("MINERVA_API_TOKEN_SECRET", "arn:x"),
        ])
        .unwrap();
        assert_eq!(
            secret.auth(),
            &ApiAuth::Token(TokenSource::Secret("arn:x".into()))
        );
        assert!(
            SearchSettings::try_from_vars(&[base[0], base[1], ("MINERVA_API_AUTH", "none")])
                .is_err()
        );
        let value = TokenSource::Value("super-secret-token-123".into());
        assert!(!format!("{value:?}").contains("super-secret"));
    }
}
