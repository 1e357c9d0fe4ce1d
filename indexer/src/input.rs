//! Finding the objects to index (local files and folders, S3 objects and prefixes) and opening
//! them as blocking readers.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use futures::TryStreamExt;
use minerva_core::layout::ObjectId;
use minerva_store::{Location, open_s3_bucket};
use object_store::{ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::config::IndexerConfig;
use crate::error::IndexError;
use crate::key_date::date_in_key;
use crate::object::SourceObject;

/// Where an input's bytes come from.
#[derive(Debug, Clone)]
pub enum InputKind {
    /// A local file.
    Local(PathBuf),
    /// The bytes `[start, end)` of a local file (an appended tail).
    LocalRange {
        /// The file.
        path: PathBuf,
        /// First byte.
        start: u64,
        /// End (exclusive).
        end: u64,
    },
    /// An object in a store.
    Store {
        /// The store.
        store: Arc<dyn ObjectStore>,
        /// The object's key.
        key: object_store::path::Path,
    },
}

/// One object to index.
#[derive(Debug, Clone)]
pub struct Input {
    /// What the indexer needs to know about it.
    pub object: SourceObject,
    /// Size in bytes as stored.
    pub size: u64,
    /// How to read it.
    pub kind: InputKind,
}

impl Input {
    /// The local file this input reads, if it is one.
    pub fn local_path(&self) -> Option<PathBuf> {
        match &self.kind {
            InputKind::Local(path) | InputKind::LocalRange { path, .. } => Some(path.clone()),
            InputKind::Store { .. } => None,
        }
    }

    /// Opens the object as a blocking reader (call from a blocking thread).
    pub fn open(&self, handle: &Handle) -> Result<Box<dyn Read + Send>, IndexError> {
        let fail = |message: String| IndexError::Input {
            uri: self.object.uri.clone(),
            message,
        };
        match &self.kind {
            InputKind::Local(path) => {
                let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
                Ok(Box::new(file))
            }
            InputKind::LocalRange { path, start, end } => {
                use std::io::{Seek, SeekFrom};
                let mut file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
                file.seek(SeekFrom::Start(*start))
                    .map_err(|e| fail(e.to_string()))?;
                Ok(Box::new(file.take(end.saturating_sub(*start))))
            }
            InputKind::Store { store, key } => {
                let result = handle
                    .block_on(store.get(key))
                    .map_err(|e| fail(e.to_string()))?;
                let stream = result.into_stream().map_err(std::io::Error::other);
                let reader = StreamReader::new(stream);
                Ok(Box::new(SyncIoBridge::new_with_handle(
                    reader,
                    handle.clone(),
                )))
            }
        }
    }
}

/// The tag used when nothing else names one: the file name without log/compression
/// extensions and without a trailing sequence number or date, lowercased (`OpenSSH_2k.log` →
/// `openssh_2k`, `cloudtrail-0003.jsonl` → `cloudtrail`, `access.log.1` → `access`,
/// `app-2024-01-01.log.gz` → `app`), so the files of one log type share a tag.
pub fn tag_from_name(name: &str) -> String {
    let mut stem = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    loop {
        let before = stem.len();
        for ext in [
            ".gz", ".jsonl", ".ndjson", ".json", ".log", ".txt", ".csv", ".tsv",
        ] {
            if let Some(s) = stem.strip_suffix(ext) {
                stem = s.to_owned();
            }
        }
        // A rotation or sequence number (`.1`, `-0003`, `_20240101`, `-2024-01-01`).
        let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let cut = stem.len() - digits;
        if digits > 0 && cut > 1 && matches!(stem.as_bytes()[cut - 1], b'-' | b'_' | b'.') {
            stem.truncate(cut - 1);
        }
        if stem.len() == before {
            break;
        }
    }
    let tag: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if tag.is_empty() {
        "log".to_owned()
    } else {
        tag
    }
}

/// The `file://` URI of a path; bytes that are not printable ASCII or UTF-8 are %-encoded.
pub fn file_uri(path: &[u8]) -> String {
    match std::str::from_utf8(path) {
        Ok(text) if !text.contains('%') => format!("file://{text}"),
        _ => {
            let mut uri = String::from("file://");
            for chunk in path.utf8_chunks() {
                for c in chunk.valid().chars() {
                    if c == '%' {
                        uri.push_str("%25");
                    } else {
                        uri.push(c);
                    }
                }
                for b in chunk.invalid() {
                    uri.push_str(&format!("%{b:02X}"));
                }
            }
            uri
        }
    }
}

/// Lists the objects named by `specs` (files, folders, `s3://bucket/key-or-prefix`), skipping
/// hidden files, excluded paths and anything inside `skip_dir` (the data folder itself).
pub async fn list_inputs(
    specs: &[String],
    config: &IndexerConfig,
    skip_dir: Option<&Path>,
) -> Result<Vec<Input>, IndexError> {
    let mut inputs = Vec::new();
    let skip_dir = skip_dir.and_then(|d| d.canonicalize().ok());
    for spec in specs {
        let location = Location::parse(spec).map_err(|e| IndexError::Input {
            uri: spec.clone(),
            message: e.to_string(),
        })?;
        match location {
            Location::Local(path) => list_local(&path, config, skip_dir.as_deref(), &mut inputs)?,
            Location::S3 { bucket, prefix } => {
                list_s3(&bucket, &prefix, config, &mut inputs).await?;
            }
        }
    }
    Ok(inputs)
}

fn list_local(
    path: &Path,
    config: &IndexerConfig,
    skip_dir: Option<&Path>,
    out: &mut Vec<Input>,
) -> Result<(), IndexError> {
    let fail = |e: std::io::Error| IndexError::Input {
        uri: path.display().to_string(),
        message: e.to_string(),
    };
    let path = path.canonicalize().map_err(fail)?;
    let meta = std::fs::metadata(&path).map_err(fail)?;
    if meta.is_dir() {
        if skip_dir.is_some_and(|s| path.starts_with(s)) {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(fail)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        entries.sort();
        for entry in entries {
            let is_symlink_dir = std::fs::symlink_metadata(&entry)
                .map(|m| m.file_type().is_symlink() && entry.is_dir())
                .unwrap_or(false);
            if !is_symlink_dir {
                list_local(&entry, config, skip_dir, out)?;
            }
        }
        return Ok(());
    }
    if !meta.is_file() {
        return Ok(());
    }
    let path_text = path.to_string_lossy().into_owned();
    if config.is_excluded(&path_text) {
        return Ok(());
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
    let mtime_us = mtime.map_or(0, |d| d.as_micros() as i64);
    let mtime_ns = mtime.map_or(0, |d| d.as_nanos()).to_string();
    let size = meta.len();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // The identity uses the path's exact bytes: two names that differ only in bytes that are
    // not UTF-8 are different objects.
    let path_bytes = path.as_os_str().as_encoded_bytes();
    let id = ObjectId::derive_bytes(&[
        b"file",
        path_bytes,
        size.to_string().as_bytes(),
        mtime_ns.as_bytes(),
    ]);
    out.push(Input {
        object: SourceObject {
            uri: file_uri(path_bytes),
            id,
            time_us: mtime_us,
            key_date_us: date_in_key(&path_text),
            fallback_tag: tag_from_name(&name),
            overrides: config.overrides_for(&path_text),
            first_seq: 0,
        },
        size,
        kind: InputKind::Local(path),
    });
    Ok(())
}

async fn list_s3(
    bucket: &str,
    prefix: &str,
    config: &IndexerConfig,
    out: &mut Vec<Input>,
) -> Result<(), IndexError> {
    let uri = format!("s3://{bucket}/{prefix}");
    let fail = |message: String| IndexError::Input {
        uri: uri.clone(),
        message,
    };
    let store = open_s3_bucket(bucket).map_err(|e| fail(e.to_string()))?;
    let prefix_path = object_store::path::Path::from(prefix);
    // An exact key is one object; otherwise the text is a prefix.
    let mut metas = match store.head(&prefix_path).await {
        Ok(meta) if !prefix.is_empty() => vec![meta],
        _ => {
            let listing = if prefix.is_empty() {
                None
            } else {
                Some(&prefix_path)
            };
            store
                .list(listing)
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| fail(e.to_string()))?
        }
    };
    metas.sort_by(|a, b| a.location.cmp(&b.location));
    out.extend(
        metas
            .into_iter()
            .filter_map(|meta| s3_input(&store, bucket, meta, config)),
    );
    Ok(())
}

/// The input for one listed S3 object, or `None` when it is hidden (a name starting with `.`)
/// or excluded by the configuration. The identity is bucket, key, ETag and version id, so a
/// new version of a key is a new object.
pub fn s3_input(
    store: &Arc<dyn ObjectStore>,
    bucket: &str,
    meta: object_store::ObjectMeta,
    config: &IndexerConfig,
) -> Option<Input> {
    let key = meta.location.to_string();
    let object_uri = format!("s3://{bucket}/{key}");
    let name = key.rsplit('/').next().unwrap_or(&key).to_owned();
    if name.starts_with('.') || config.is_excluded(&object_uri) {
        return None;
    }
    let etag = meta.e_tag.clone().unwrap_or_default();
    let version = meta.version.clone().unwrap_or_default();
    Some(Input {
        object: SourceObject {
            id: ObjectId::derive(&["s3", bucket, &key, &etag, &version]),
            time_us: meta.last_modified.timestamp_micros(),
            key_date_us: date_in_key(&key),
            fallback_tag: tag_from_name(&name),
            overrides: config.overrides_for(&object_uri),
            uri: object_uri,
            first_seq: 0,
        },
        size: meta.size,
        kind: InputKind::Store {
            store: store.clone(),
            key: meta.location,
        },
    })
}

/// The version of an input as the ledger records it (`etag/version` of an S3 object).
pub fn s3_version(meta: &object_store::ObjectMeta) -> String {
    format!(
        "{}/{}",
        meta.e_tag.as_deref().unwrap_or_default(),
        meta.version.as_deref().unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_keep_invalid_bytes_distinct() {
        assert_eq!(file_uri(b"/a/b.log"), "file:///a/b.log");
        assert_eq!(file_uri(b"/a/\xffx.log"), "file:///a/%FFx.log");
        assert_eq!(file_uri(b"/a/\xfex.log"), "file:///a/%FEx.log");
        assert_eq!(file_uri(b"/a/50%.log"), "file:///a/50%25.log");
    }

    #[test]
    fn tags_come_from_file_names() {
        assert_eq!(tag_from_name("OpenSSH_2k.log"), "openssh_2k");
        assert_eq!(tag_from_name("dns.head8000.ndjson.gz"), "dns.head8000");
        assert_eq!(
            tag_from_name("a/b/TA0002-Execution.jsonl.gz"),
            "ta0002-execution"
        );
        assert_eq!(tag_from_name("weird name!.log"), "weird_name_");
        assert_eq!(tag_from_name(".log"), "log");
        assert_eq!(tag_from_name("logs/cloudtrail-0003.jsonl"), "cloudtrail");
        assert_eq!(tag_from_name("web-0000.log.gz"), "web");
        assert_eq!(tag_from_name("access.log.1"), "access");
        assert_eq!(tag_from_name("app-2024-01-01.log"), "app");
        assert_eq!(tag_from_name("fw_20240101.csv"), "fw");
        assert_eq!(tag_from_name("20240101.log"), "20240101");
        assert_eq!(tag_from_name("-1.log"), "-1");
    }
}
