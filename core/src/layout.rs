//! Where things live: object keys of the two tables, hourly partitions and object ids.
//!
//! ```text
//! {prefix}/indices/dt=YYYY-MM-DD-HH/{object_id}-{part}.parquet
//! {prefix}/messages/dt=YYYY-MM-DD-HH/{object_id}-{part}.parquet
//! ```
//!
//! The file name is derived from the source object's identity, so indexing the same object
//! again rewrites the same files instead of adding duplicates.

use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};

/// One of the two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    /// (field, term) → (object_id, seq).
    Indices,
    /// (object_id, seq) → original record.
    Messages,
}

impl Table {
    /// Both tables.
    pub const ALL: [Table; 2] = [Table::Indices, Table::Messages];

    /// The table's folder name.
    pub fn as_str(self) -> &'static str {
        match self {
            Table::Indices => "indices",
            Table::Messages => "messages",
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const MICROS_PER_HOUR: i64 = 3_600_000_000;

/// An hourly partition, as hours since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hour(pub i64);

impl Hour {
    /// The hour that contains `timestamp_us` (microseconds since the epoch, UTC).
    pub fn of_micros(timestamp_us: i64) -> Self {
        Hour(timestamp_us.div_euclid(MICROS_PER_HOUR))
    }

    /// The first microsecond of the hour.
    pub fn start_micros(self) -> i64 {
        self.0.saturating_mul(MICROS_PER_HOUR)
    }

    /// The partition value, `YYYY-MM-DD-HH`.
    pub fn dt(self) -> String {
        match DateTime::<Utc>::from_timestamp_micros(self.start_micros()) {
            Some(t) => format!(
                "{:04}-{:02}-{:02}-{:02}",
                t.year(),
                t.month(),
                t.day(),
                t.hour()
            ),
            None => "0000-00-00-00".to_owned(),
        }
    }

    /// Parses `YYYY-MM-DD-HH`.
    pub fn parse_dt(dt: &str) -> Option<Self> {
        let t = chrono::NaiveDateTime::parse_from_str(&format!("{dt}:00:00"), "%Y-%m-%d-%H:%M:%S")
            .ok()?;
        Some(Hour::of_micros(t.and_utc().timestamp_micros()))
    }
}

/// Joins a prefix and a relative key with exactly one `/`.
pub fn join_key(prefix: &str, rest: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        rest.to_owned()
    } else {
        format!("{prefix}/{rest}")
    }
}

/// The folder of one partition of one table: `{prefix}/{table}/dt=YYYY-MM-DD-HH`.
pub fn partition_dir(prefix: &str, table: Table, hour: Hour) -> String {
    join_key(prefix, &format!("{table}/dt={}", hour.dt()))
}

/// Name of a data file written by the indexer for one object.
///
/// `part` counts the files written for the same object and hour (0 unless the object's
/// records for that hour did not fit the memory budget at once).
pub fn data_file_name(object_id: &ObjectId, part: u32) -> String {
    format!("{}-{part:04}.parquet", object_id.as_str())
}

/// File names of merged files start with this; indexer files start with a hex object id.
pub const MERGED_PREFIX: &str = "m-";

/// File name of part `part` of merge group `group` (the merger's output).
pub fn part_file_name(group: &str, part: u32) -> String {
    format!("{MERGED_PREFIX}{group}-{part:04}.parquet")
}

/// The merge group id of a merged part's file name, if it is one.
pub fn group_of_part(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(MERGED_PREFIX)?.strip_suffix(".parquet")?;
    let (group, part) = rest.split_once('-')?;
    (is_group_id(group) && part.len() == 4 && part.bytes().all(|b| b.is_ascii_digit()))
        .then_some(group)
}

/// True for a merge group id: 32 lowercase hex digits.
pub fn is_group_id(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The key of a data file.
pub fn data_file_key(prefix: &str, table: Table, hour: Hour, file_name: &str) -> String {
    format!("{}/{file_name}", partition_dir(prefix, table, hour))
}

/// Identity of a source object: 32 hex digits of a stable 128-bit hash (XXH3-128).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(String);

impl ObjectId {
    /// Derives the id from the parts that identify one version of an object, e.g.
    /// `["s3", bucket, key, etag]` or `["file", path, size, mtime]`.
    pub fn derive(parts: &[&str]) -> Self {
        let parts: Vec<&[u8]> = parts.iter().map(|p| p.as_bytes()).collect();
        Self::derive_bytes(&parts)
    }

    /// Like [`Self::derive`], for parts that are not text (e.g. a path that is not UTF-8).
    pub fn derive_bytes(parts: &[&[u8]]) -> Self {
        let mut bytes = Vec::new();
        for part in parts {
            // Length-prefixed, so ("ab","c") and ("a","bc") differ.
            bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
            bytes.extend_from_slice(part);
        }
        ObjectId(format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes)))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_format_and_parse() {
        let t = chrono::DateTime::parse_from_rfc3339("2019-11-01T05:59:59.999999Z").unwrap();
        let hour = Hour::of_micros(t.timestamp_micros());
        assert_eq!(hour.dt(), "2019-11-01-05");
        assert_eq!(Hour::parse_dt("2019-11-01-05"), Some(hour));
        assert_eq!(Hour::parse_dt("2019-11-01T05"), None);
        // Before the epoch the hour rounds down, not toward zero.
        assert_eq!(Hour::of_micros(-1).dt(), "1969-12-31-23");
    }

    #[test]
    fn keys() {
        let id = ObjectId::derive(&["file", "/x", "1", "2"]);
        let name = data_file_name(&id, 3);
        assert_eq!(name, format!("{id}-0003.parquet"));
        let hour = Hour::parse_dt("2024-01-02-03").unwrap();
        assert_eq!(
            data_file_key("logs/", Table::Indices, hour, &name),
            format!("logs/indices/dt=2024-01-02-03/{name}")
        );
        assert_eq!(
            partition_dir("", Table::Messages, hour),
            "messages/dt=2024-01-02-03"
        );
    }

    #[test]
    fn object_ids_are_stable_and_distinct() {
        let a = ObjectId::derive(&["s3", "bucket", "key", "etag"]);
        assert_eq!(a, ObjectId::derive(&["s3", "bucket", "key", "etag"]));
        assert_ne!(a, ObjectId::derive(&["s3", "bucke", "tkey", "etag"]));
        assert_eq!(a.as_str().len(), 32);
        // Pinned: the hash function is part of the on-disk format.
        assert_eq!(
            ObjectId::derive(&[]).as_str(),
            format!("{:032x}", xxhash_rust::xxh3::xxh3_128(b""))
        );
    }
}
