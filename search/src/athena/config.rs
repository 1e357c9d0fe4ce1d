//! Settings of the Athena backend, validated once: identifiers reach SQL and API calls only
//! from here.

use std::time::Duration;

use crate::backend::SearchError;

/// Where and how searches run on Athena.
#[derive(Debug, Clone)]
pub struct AthenaConfig {
    workgroup: String,
    database: String,
    output_location: Option<String>,
    max_wait: Duration,
}

fn bad(message: String) -> SearchError {
    SearchError::BadRequest(message)
}

impl AthenaConfig {
    /// Validates the settings: `workgroup` (Athena's rule: 1–128 of letters, digits, `.`,
    /// `_`, `-`), `database` (a plain Glue name: letters, digits, `_`), the optional
    /// `output_location` (`s3://bucket/prefix/`; without it the workgroup's enforced location
    /// is used) and the longest wait for one statement.
    pub fn try_new(
        workgroup: &str,
        database: &str,
        output_location: Option<&str>,
        max_wait: Duration,
    ) -> Result<Self, SearchError> {
        let workgroup_ok = (1..=128).contains(&workgroup.len())
            && workgroup
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if !workgroup_ok {
            return Err(bad(format!(
                "invalid Athena workgroup {workgroup:?} (letters, digits, '.', '_', '-')"
            )));
        }
        let database_ok = (1..=128).contains(&database.len())
            && database
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !database_ok {
            return Err(bad(format!(
                "invalid Athena database {database:?} (lowercase letters, digits, '_')"
            )));
        }
        let output_location = match output_location.filter(|o| !o.is_empty()) {
            None => None,
            Some(o) => {
                let rest = o.strip_prefix("s3://").ok_or_else(|| {
                    bad(format!(
                        "the Athena output location {o:?} must start with s3://"
                    ))
                })?;
                if rest.is_empty() || rest.starts_with('/') || o.chars().any(char::is_control) {
                    return Err(bad(format!("invalid Athena output location {o:?}")));
                }
                Some(if o.ends_with('/') {
                    o.to_owned()
                } else {
                    format!("{o}/")
                })
            }
        };
        if max_wait.is_zero() {
            return Err(bad("the Athena wait limit must be positive".into()));
        }
        Ok(AthenaConfig {
            workgroup: workgroup.to_owned(),
            database: database.to_owned(),
            output_location,
            max_wait,
        })
    }

    /// The workgroup.
    pub fn workgroup(&self) -> &str {
        &self.workgroup
    }

    /// The Glue database of the two tables.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// Where results go, when not the workgroup's own setting.
    pub fn output_location(&self) -> Option<&str> {
        self.output_location.as_deref()
    }

    /// Longest wait for one statement before it is stopped.
    pub fn max_wait(&self) -> Duration {
        self.max_wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAIT: Duration = Duration::from_secs(60);

    #[test]
    fn identifiers_are_validated() {
        let ok = AthenaConfig::try_new("primary", "minerva", Some("s3://b/results"), WAIT).unwrap();
        assert_eq!(ok.output_location(), Some("s3://b/results/"));
        assert!(AthenaConfig::try_new("wg\"; --", "minerva", None, WAIT).is_err());
        assert!(AthenaConfig::try_new("primary", "Minerva", None, WAIT).is_err());
        assert!(AthenaConfig::try_new("primary", "a.b", None, WAIT).is_err());
        assert!(AthenaConfig::try_new("primary", "minerva", Some("/tmp/x"), WAIT).is_err());
        assert!(AthenaConfig::try_new("primary", "minerva", Some("s3://"), WAIT).is_err());
        assert!(AthenaConfig::try_new("", "minerva", None, WAIT).is_err());
    }
}
