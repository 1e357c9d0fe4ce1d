//! Deterministic synthetic security logs with planted needles (`minerva generate`).
//!
//! [`generate`] writes CloudTrail, VPC Flow Logs, sshd syslog, web access (combined) and
//! Windows Security/Sysmon (EVTX→JSON) files of a requested total size covering a time span,
//! and a [`Manifest`] (`out_dir/manifest.json`) that records every file and the exact
//! `(file, line, field)` of every planted *needle*: rare values such as `172.31.255.77` and
//! *near-twins* such as `172.31.255.177` that an exact word-boundary search must not confuse.
//!
//! The same [`GenerateOptions`] always produce byte-identical files and manifest: the random
//! generators (SplitMix64 + xoshiro256**) are implemented in this crate, use no platform
//! floating-point functions, and a test pins the output.
//!
//! Layout: `out_dir/{kind}/{kind}-{NNNN}.{jsonl|log}[.gz]` plus `out_dir/manifest.json`. The
//! byte budget is split evenly over kinds and files; every file covers the whole time span in
//! time order (like parallel shippers). Generation is single-threaded, streaming (a few MB of
//! memory whatever the size) and runs at several hundred MB/s in release builds; gzip uses
//! level 1 and roughly halves that.
//!
//! Needles are matched as whole words, case-insensitively: `172.31.255.77` occurs exactly in
//! the records listed for it and nowhere else, and never inside `172.31.255.177`. Random
//! vocabularies are filtered so that no needle fragment (`needle`, `cookpad`, `172.31.`,
//! `2001:db8`, …) can appear by chance.
//!
//! ```no_run
//! use minerva_generator::{GenerateOptions, LogKind, generate, parse_size, parse_span};
//!
//! let opts = GenerateOptions {
//!     out_dir: "/tmp/minerva-data".into(),
//!     total_bytes: parse_size("1GB")?,
//!     span: parse_span("24h")?,
//!     kinds: vec![LogKind::CloudTrail, LogKind::Sshd],
//!     ..GenerateOptions::default()
//! };
//! let manifest = generate(&opts, &mut |written| eprintln!("{written} bytes"))?;
//! for needle in &manifest.needles {
//!     println!("{} -> {} records", needle.value, needle.occurrences.len());
//! }
//! # Ok::<(), minerva_generator::GenerateError>(())
//! ```

mod cloudtrail;
mod engine;
mod manifest;
mod needles;
mod out;
mod parse;
mod rng;
mod sshd;
mod vocab;
mod vpcflow;
mod web;
mod windows;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, TimeZone, Utc};

pub use engine::generate;
pub use manifest::{FileEntry, MANIFEST_FILE, Manifest, ManifestOptions, Needle, Occurrence};
pub use parse::{parse_size, parse_span, parse_start};

/// A family of log files the generator can write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    /// AWS CloudTrail events, one JSON object per line (`.jsonl`).
    CloudTrail,
    /// AWS VPC Flow Logs, version 2 default text format with a header line (`.log`).
    VpcFlow,
    /// OpenSSH `sshd` messages in BSD syslog format (`.log`).
    Sshd,
    /// HTTP access log in Apache/nginx combined format (`.log`).
    WebAccess,
    /// Windows Security and Sysmon events as EVTX→JSON lines (`.jsonl`).
    WindowsEvent,
}

impl LogKind {
    /// All kinds, in the order files and budgets are assigned.
    pub const ALL: [LogKind; 5] = [
        LogKind::CloudTrail,
        LogKind::VpcFlow,
        LogKind::Sshd,
        LogKind::WebAccess,
        LogKind::WindowsEvent,
    ];

    /// The short name used on the command line, as directory name and in file names.
    pub fn name(self) -> &'static str {
        match self {
            LogKind::CloudTrail => "cloudtrail",
            LogKind::VpcFlow => "vpcflow",
            LogKind::Sshd => "sshd",
            LogKind::WebAccess => "web",
            LogKind::WindowsEvent => "windows",
        }
    }

    /// File extension without the dot and without `.gz` (`jsonl` or `log`).
    pub fn extension(self) -> &'static str {
        match self {
            LogKind::CloudTrail | LogKind::WindowsEvent => "jsonl",
            LogKind::VpcFlow | LogKind::Sshd | LogKind::WebAccess => "log",
        }
    }

    /// True if every line is one JSON object.
    pub fn is_json(self) -> bool {
        self.extension() == "jsonl"
    }

    /// Ticks per second of the timestamps written (1 or 1,000,000 for Windows events).
    pub(crate) fn ticks_per_second(self) -> i64 {
        match self {
            LogKind::WindowsEvent => 1_000_000,
            _ => 1,
        }
    }
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LogKind {
    type Err = GenerateError;

    /// Parses `cloudtrail`, `vpcflow`, `sshd`, `web` or `windows` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogKind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| GenerateError::UnknownKind(s.to_string()))
    }
}

/// What to generate. See [`GenerateOptions::default`] for the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Directory to write into (created if missing; existing files with the same names are
    /// overwritten, other files are left alone).
    pub out_dir: PathBuf,
    /// Target total size of all log files, uncompressed, in bytes (the result is within ±2%
    /// once every file holds more than a few dozen records, e.g. ≥ 1 MB with defaults).
    pub total_bytes: u64,
    /// Time of the earliest possible record.
    pub start: DateTime<Utc>,
    /// Length of the time range; records fall in `[start, start + span)`. At least 1 second.
    pub span: chrono::Duration,
    /// Seed for every random choice, including where needles are planted.
    pub seed: u64,
    /// Number of files per kind; each covers the whole span (parallel shippers). At least 1.
    pub files_per_kind: usize,
    /// Gzip each file (adds `.gz`); sizes and line numbers refer to the uncompressed data.
    pub gzip: bool,
    /// Kinds to generate (non-empty, no duplicates); the byte budget is split evenly.
    pub kinds: Vec<LogKind>,
}

impl Default for GenerateOptions {
    /// 100 MB into `./minerva-data`, 24 h from 2024-01-01T00:00:00Z, seed 42, 4 files per
    /// kind, no gzip, all kinds.
    fn default() -> Self {
        GenerateOptions {
            out_dir: PathBuf::from("minerva-data"),
            total_bytes: 100_000_000,
            start: Utc
                .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            span: chrono::Duration::hours(24),
            seed: 42,
            files_per_kind: 4,
            gzip: false,
            kinds: LogKind::ALL.to_vec(),
        }
    }
}

impl GenerateOptions {
    /// Checks the options, returning the first problem found.
    pub fn validate(&self) -> Result<(), GenerateError> {
        let bad = |m: String| Err(GenerateError::InvalidOptions(m));
        if self.total_bytes == 0 {
            return bad("total_bytes must be greater than 0".into());
        }
        if self.span < chrono::Duration::seconds(1) {
            return bad(format!(
                "span must be at least 1 second (got {})",
                self.span
            ));
        }
        if self.files_per_kind == 0 {
            return bad("files_per_kind must be at least 1".into());
        }
        if self.files_per_kind > 10_000 {
            return bad(format!(
                "files_per_kind must be at most 10000 (got {})",
                self.files_per_kind
            ));
        }
        if self.kinds.is_empty() {
            return bad("kinds must not be empty".into());
        }
        for (i, k) in self.kinds.iter().enumerate() {
            if self.kinds[..i].contains(k) {
                return bad(format!("kind {k} is listed twice"));
            }
        }
        let min = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).single();
        let max = Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).single();
        let end = self.start.checked_add_signed(self.span);
        if Some(self.start) < min || end.is_none() || end > max {
            return bad(format!(
                "start ({}) and start + span must lie between 1970 and 9999",
                self.start.to_rfc3339()
            ));
        }
        Ok(())
    }
}

/// Errors from [`generate`], option validation and the argument parsers.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The options are inconsistent or out of range.
    #[error("invalid generate options: {0}")]
    InvalidOptions(String),
    /// A log kind name was not recognised.
    #[error("unknown log kind {0:?} (expected cloudtrail, vpcflow, sshd, web or windows)")]
    UnknownKind(String),
    /// A size, duration or start time argument could not be parsed.
    #[error("cannot parse {what} {input:?}: {reason}")]
    Parse {
        /// What was being parsed (`size`, `span`, `start`).
        what: &'static str,
        /// The input text.
        input: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The manifest could not be encoded or decoded.
    #[error("manifest JSON error: {0}")]
    Json(#[from] serde_json::Error),
}
