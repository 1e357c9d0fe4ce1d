//! Indexer configuration: per-source overrides from a TOML file and CLI flags, read once and
//! validated into [`IndexerConfig`].
//!
//! ```toml
//! # minerva.toml
//! [index]
//! memory_budget_mb = 64        # rows held in memory (all workers) before part files are written
//!
//! [[source]]
//! match = "**/loghub_2k/HDFS*"   # glob over the source path or URI
//! tag = "hdfs"
//! format = "text"                 # auto | json | text | csv | tsv | w3c | vpcflow
//! timestamp_format = "%y%m%d %H%M%S"
//!
//! [[source]]
//! match = "s3://my-trail-bucket/**"
//! tag = "aws.cloudtrail"
//! timestamp_field = "eventTime"
//! ```
//!
//! Every matching `[[source]]` applies in file order (later ones win per setting); flags given
//! on the command line win over the file.

use std::path::Path;
use std::str::FromStr;

use globset::{Glob, GlobMatcher};
use minerva_core::timestamp::TimestampFormat;
use serde::Deserialize;

use crate::error::ConfigError;

/// How the records of an object are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Detected from the object's content.
    #[default]
    Auto,
    /// JSON lines, or a JSON document of records; a line that is not JSON is indexed as text.
    Json,
    /// Plain text lines indexed whole under field `""`.
    Text,
    /// Comma-separated values with a header line.
    Csv,
    /// Tab-separated values with a header line.
    Tsv,
    /// W3C extended log format (IIS), driven by `#Fields:` lines.
    W3c,
    /// AWS VPC Flow Logs (space-separated, with or without a header line).
    VpcFlow,
}

impl FromStr for Format {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => Format::Auto,
            "json" | "jsonl" | "ndjson" => Format::Json,
            "text" | "txt" => Format::Text,
            "csv" => Format::Csv,
            "tsv" => Format::Tsv,
            "w3c" | "iis" => Format::W3c,
            "vpcflow" | "vpc" => Format::VpcFlow,
            _ => {
                return Err(ConfigError::Invalid(format!(
                    "unknown format {s:?} (expected auto, json, text, csv, tsv, w3c or vpcflow)"
                )));
            }
        })
    }
}

/// Settings that may be overridden per source.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOverrides {
    /// Log type written to the `tag` column.
    pub tag: Option<String>,
    /// Record format.
    pub format: Option<Format>,
    /// Dotted path of the field that holds the time (JSON, CSV, W3C).
    pub timestamp_field: Option<String>,
    /// How the time is written.
    pub timestamp_format: Option<TimestampFormat>,
}

impl SourceOverrides {
    /// Overlays `other` on `self`: settings present in `other` win.
    pub fn overlay(&mut self, other: &SourceOverrides) {
        if other.tag.is_some() {
            self.tag.clone_from(&other.tag);
        }
        if other.format.is_some() {
            self.format = other.format;
        }
        if other.timestamp_field.is_some() {
            self.timestamp_field.clone_from(&other.timestamp_field);
        }
        if other.timestamp_format.is_some() {
            self.timestamp_format.clone_from(&other.timestamp_format);
        }
    }

    /// Builds overrides from raw strings (CLI flags or a config file), validating them.
    pub fn parse(
        tag: Option<String>,
        format: Option<&str>,
        timestamp_field: Option<String>,
        timestamp_format: Option<&str>,
    ) -> Result<Self, ConfigError> {
        if let Some(tag) = &tag {
            validate_tag(tag)?;
        }
        Ok(SourceOverrides {
            tag,
            format: format.map(Format::from_str).transpose()?,
            timestamp_field,
            timestamp_format: timestamp_format
                .map(|f| {
                    TimestampFormat::from_str(f)
                        .map_err(|e| ConfigError::Invalid(format!("timestamp_format {f:?}: {e}")))
                })
                .transpose()?,
        })
    }
}

fn validate_tag(tag: &str) -> Result<(), ConfigError> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "tag {tag:?} must be 1-128 characters of letters, digits, '.', '_' or '-'"
        )))
    }
}

/// One `[[source]]` rule.
#[derive(Debug, Clone)]
pub struct SourceRule {
    pattern: String,
    matcher: GlobMatcher,
    overrides: SourceOverrides,
}

impl SourceRule {
    /// Creates a rule from a glob and its overrides.
    pub fn new(pattern: &str, overrides: SourceOverrides) -> Result<Self, ConfigError> {
        let matcher = Glob::new(pattern)
            .map_err(|e| ConfigError::Invalid(format!("source match {pattern:?}: {e}")))?
            .compile_matcher();
        Ok(SourceRule {
            pattern: pattern.to_owned(),
            matcher,
            overrides,
        })
    }

    /// The glob.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

/// Validated indexer configuration.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    /// Bytes of rows one worker may hold before it writes a part file.
    pub memory_budget_bytes: usize,
    /// Objects indexed at once (defaults to the number of cores).
    pub parallelism: usize,
    /// `[[source]]` rules, in file order.
    pub rules: Vec<SourceRule>,
    /// Overrides from the command line (win over rules).
    pub cli_overrides: SourceOverrides,
    /// Objects whose path matches one of these globs are skipped.
    pub exclude: Vec<GlobMatcher>,
    /// How part files left by an earlier run of the same object are found.
    pub stale_parts: StaleParts,
}

/// How part files of an earlier run of the same object, numbered beyond the parts this run
/// wrote (an earlier run with a smaller memory budget), are removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaleParts {
    /// List each hour folder the object wrote to and delete them (one LIST per table and
    /// hour): for runs without a ledger (`minerva index`).
    #[default]
    Listed,
    /// The caller commits the ingest to the [`crate::Ledger`], which deletes the files of the
    /// ingests it replaces; no listing (the Lambda indexer: half its S3 requests were LISTs).
    FromLedger,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        IndexerConfig {
            memory_budget_bytes: 64 * 1024 * 1024,
            parallelism: num_cpus::get().max(1),
            rules: Vec::new(),
            cli_overrides: SourceOverrides::default(),
            exclude: Vec::new(),
            stale_parts: StaleParts::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFileToml {
    #[serde(default)]
    index: IndexSectionToml,
    #[serde(default)]
    source: Vec<SourceToml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexSectionToml {
    memory_budget_mb: Option<usize>,
    parallelism: Option<usize>,
    #[serde(default)]
    exclude: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceToml {
    #[serde(rename = "match")]
    pattern: String,
    tag: Option<String>,
    format: Option<String>,
    timestamp_field: Option<String>,
    timestamp_format: Option<String>,
}

impl IndexerConfig {
    /// Applies a TOML config file's text on top of `self`.
    pub fn apply_toml(&mut self, text: &str) -> Result<(), ConfigError> {
        let file: ConfigFileToml =
            toml::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some(mb) = file.index.memory_budget_mb {
            self.set_memory_budget_mb(mb)?;
        }
        if let Some(n) = file.index.parallelism {
            self.set_parallelism(n)?;
        }
        for pattern in &file.index.exclude {
            self.add_exclude(pattern)?;
        }
        for source in file.source {
            let overrides = SourceOverrides::parse(
                source.tag,
                source.format.as_deref(),
                source.timestamp_field,
                source.timestamp_format.as_deref(),
            )?;
            self.rules
                .push(SourceRule::new(&source.pattern, overrides)?);
        }
        Ok(())
    }

    /// Reads and applies a TOML config file.
    pub fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Invalid(format!("cannot read {}: {e}", path.display())))?;
        self.apply_toml(&text)
            .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))
    }

    /// Sets the per-worker memory budget, in MiB (8–4096).
    pub fn set_memory_budget_mb(&mut self, mb: usize) -> Result<(), ConfigError> {
        if !(8..=4096).contains(&mb) {
            return Err(ConfigError::Invalid(format!(
                "memory budget {mb} MiB is outside 8-4096 MiB"
            )));
        }
        self.memory_budget_bytes = mb * 1024 * 1024;
        Ok(())
    }

    /// Sets how many objects are indexed at once (1–256).
    pub fn set_parallelism(&mut self, n: usize) -> Result<(), ConfigError> {
        if !(1..=256).contains(&n) {
            return Err(ConfigError::Invalid(format!(
                "parallelism {n} is outside 1-256"
            )));
        }
        self.parallelism = n;
        Ok(())
    }

    /// Adds an exclude glob.
    pub fn add_exclude(&mut self, pattern: &str) -> Result<(), ConfigError> {
        let glob = Glob::new(pattern)
            .map_err(|e| ConfigError::Invalid(format!("exclude {pattern:?}: {e}")))?;
        self.exclude.push(glob.compile_matcher());
        Ok(())
    }

    /// True when `path` (a local path or URI) is excluded.
    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude.iter().any(|m| m.is_match(path))
    }

    /// The effective overrides for an object: matching rules in order, then CLI flags.
    pub fn overrides_for(&self, path: &str) -> SourceOverrides {
        let mut out = SourceOverrides::default();
        for rule in self.rules.iter().filter(|r| r.matcher.is_match(path)) {
            out.overlay(&rule.overrides);
        }
        out.overlay(&self.cli_overrides);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_apply_in_order_and_flags_win() {
        let mut config = IndexerConfig::default();
        config
            .apply_toml(
                r#"
                [index]
                memory_budget_mb = 32
                exclude = ["**/*.md"]
                [[source]]
                match = "**/logs/*.log"
                tag = "app"
                format = "text"
                [[source]]
                match = "**/logs/auth*.log"
                tag = "auth"
                timestamp_format = "%b %d %H:%M:%S"
                "#,
            )
            .unwrap();
        assert_eq!(config.memory_budget_bytes, 32 << 20);
        assert!(config.is_excluded("/x/README.md"));
        let o = config.overrides_for("/data/logs/auth.log");
        assert_eq!(o.tag.as_deref(), Some("auth"));
        assert_eq!(o.format, Some(Format::Text));
        assert!(o.timestamp_format.is_some());
        assert_eq!(
            config.overrides_for("/data/other.log"),
            SourceOverrides::default()
        );

        config.cli_overrides =
            SourceOverrides::parse(Some("cli".into()), None, None, None).unwrap();
        assert_eq!(
            config.overrides_for("/data/logs/auth.log").tag.as_deref(),
            Some("cli")
        );
    }

    #[test]
    fn bad_config_is_rejected_with_a_reason() {
        let mut config = IndexerConfig::default();
        for (text, needle) in [
            (
                "[[source]]\nmatch = \"*\"\nformat = \"xml\"",
                "unknown format",
            ),
            ("[[source]]\nmatch = \"*\"\ntag = \"a b\"", "tag"),
            ("[[source]]\nmatch = \"[\"", "source match"),
            ("[index]\nmemory_budget_mb = 1", "memory budget"),
            ("[index]\nbogus = 1", "unknown field"),
            (
                "[[source]]\nmatch = \"*\"\ntimestamp_format = \"%Q\"",
                "timestamp_format",
            ),
        ] {
            let err = config.apply_toml(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?} gave {err:?}");
        }
    }
}
