//! The manifest written next to the generated files.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{GenerateError, GenerateOptions};

/// File name of the manifest inside the output directory.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Everything a benchmark or test needs to know about one generated data set.
///
/// Keys are serialised in declaration order, so the JSON is byte-stable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The options the data set was generated with.
    pub options: ManifestOptions,
    /// Every generated file, kind by kind in [`ManifestOptions::kinds`] order.
    pub files: Vec<FileEntry>,
    /// Planted needles and near-twins with every place they occur. A value whose type has no
    /// natural field in any of the generated kinds (e.g. a Windows path when only `sshd` is
    /// generated) is left out.
    pub needles: Vec<Needle>,
    /// Sum of the uncompressed sizes of all files.
    pub total_bytes: u64,
    /// Sum of the line counts of all files (VPC header lines included).
    pub total_lines: u64,
}

/// The generation options as recorded in the manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ManifestOptions {
    /// Requested total uncompressed size in bytes.
    pub total_bytes: u64,
    /// Start of the time range (RFC 3339, UTC).
    pub start: String,
    /// End of the time range, exclusive (RFC 3339, UTC).
    pub end: String,
    /// Length of the time range in seconds.
    pub span_seconds: f64,
    /// The seed.
    pub seed: u64,
    /// Files per kind.
    pub files_per_kind: usize,
    /// Whether files are gzip-compressed.
    pub gzip: bool,
    /// Kind names (`cloudtrail`, `vpcflow`, `sshd`, `web`, `windows`) in generation order.
    pub kinds: Vec<String>,
}

impl ManifestOptions {
    pub(crate) fn from_options(o: &GenerateOptions) -> Self {
        let end = o.start + o.span;
        ManifestOptions {
            total_bytes: o.total_bytes,
            start: rfc3339(o.start),
            end: rfc3339(end),
            span_seconds: o
                .span
                .num_microseconds()
                .map_or_else(|| o.span.num_seconds() as f64, |us| us as f64 / 1e6),
            seed: o.seed,
            files_per_kind: o.files_per_kind,
            gzip: o.gzip,
            kinds: o.kinds.iter().map(|k| k.name().to_string()).collect(),
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the output directory, `/`-separated (e.g. `sshd/sshd-0000.log.gz`).
    pub path: String,
    /// Kind name.
    pub kind: String,
    /// Uncompressed size in bytes.
    pub bytes: u64,
    /// Size on disk (equal to `bytes` unless gzip-compressed).
    pub disk_bytes: u64,
    /// Number of lines (each ends with `\n`).
    pub lines: u64,
    /// Number of records (`lines` minus the VPC Flow header line).
    pub records: u64,
    /// Time of the first record (RFC 3339, as precise as the format).
    pub first_time: String,
    /// Time of the last record.
    pub last_time: String,
}

/// A planted value and where it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Needle {
    /// The value exactly as a user would search for it (match case-insensitively).
    pub value: String,
    /// Value type: `ipv4`, `ipv6`, `user`, `email`, `access_key_id`, `sha256`, `url_path`,
    /// `windows_path`.
    pub role: String,
    /// For a near-twin, the needle it must *not* be confused with (`null` for needles).
    pub twin_of: Option<String>,
    /// Human-readable explanation.
    pub description: String,
    /// Every record containing the value as a whole word (1–5), in file then line order.
    pub occurrences: Vec<Occurrence>,
}

/// One record that contains a needle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    /// File path relative to the output directory (as in [`FileEntry::path`]).
    pub file: String,
    /// 0-based line number in the uncompressed file (the VPC Flow header is line 0).
    pub line: u64,
    /// Field holding the value: a dotted JSON path for JSON kinds (e.g.
    /// `userIdentity.accessKeyId`, `Event.EventData.IpAddress`), a descriptive name for text
    /// kinds (`srcaddr`, `rhost`, `user`, `remote_addr`, `remote_user`, `request`).
    pub field: String,
    /// Time of the record (RFC 3339).
    pub time: String,
}

impl Manifest {
    /// Reads `dir/manifest.json`.
    pub fn load(dir: &Path) -> Result<Manifest, GenerateError> {
        let path = dir.join(MANIFEST_FILE);
        let text = fs::read(&path).map_err(|source| GenerateError::Io { path, source })?;
        Ok(serde_json::from_slice(&text)?)
    }

    /// Writes `dir/manifest.json` (pretty-printed, trailing newline).
    pub fn save(&self, dir: &Path) -> Result<(), GenerateError> {
        let path = dir.join(MANIFEST_FILE);
        let io = |source| GenerateError::Io {
            path: path.clone(),
            source,
        };
        let mut w = BufWriter::new(fs::File::create(&path).map_err(io)?);
        serde_json::to_writer_pretty(&mut w, self)?;
        w.write_all(b"\n").map_err(io)?;
        w.flush().map_err(io)
    }

    /// The needle or near-twin with this value (ASCII case-insensitive).
    pub fn needle(&self, value: &str) -> Option<&Needle> {
        self.needles
            .iter()
            .find(|n| n.value.eq_ignore_ascii_case(value))
    }
}

/// RFC 3339 with `Z` and only as many fractional digits as needed.
pub(crate) fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}
