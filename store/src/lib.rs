//! Object-store wiring for minerva: turns a location such as `./minerva-data` or
//! `s3://bucket/prefix` into an [`object_store::ObjectStore`] handle plus a key prefix.
//!
//! S3 settings come from the standard `AWS_*` environment variables, read once when the store is
//! opened (`AWS_ENDPOINT_URL` points at any S3-compatible server; plain `http://` endpoints are
//! allowed for local test servers; path-style addressing is used unless
//! `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`).
//!
//! ```
//! let location = minerva_store::Location::parse("s3://logs/minerva").unwrap();
//! assert_eq!(location, minerva_store::Location::S3 { bucket: "logs".into(), prefix: "minerva".into() });
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;

/// Errors opening a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The location text is not usable.
    #[error("invalid location {location:?}: {reason}")]
    InvalidLocation {
        /// The text given.
        location: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The store could not be created.
    #[error("cannot open {location}: {source}")]
    Open {
        /// The location.
        location: String,
        /// The cause.
        source: object_store::Error,
    },
    /// A local folder could not be created.
    #[error("cannot create {path}: {source}")]
    CreateDir {
        /// The folder.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Where data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A local folder.
    Local(PathBuf),
    /// An S3 bucket and key prefix (no leading or trailing `/`).
    S3 {
        /// Bucket name.
        bucket: String,
        /// Key prefix, possibly empty.
        prefix: String,
    },
}

impl Location {
    /// Parses `s3://bucket/prefix`, `file:///path` or a local path.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let invalid = |reason: &str| StoreError::InvalidLocation {
            location: text.to_owned(),
            reason: reason.to_owned(),
        };
        if let Some(rest) = text.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(invalid("missing bucket name"));
            }
            return Ok(Location::S3 {
                bucket: bucket.to_owned(),
                prefix: prefix.trim_matches('/').to_owned(),
            });
        }
        if let Some(path) = text.strip_prefix("file://") {
            return Ok(Location::Local(PathBuf::from(path)));
        }
        if text.contains("://") {
            return Err(invalid("only local paths, file:// and s3:// are supported"));
        }
        if text.is_empty() {
            return Err(invalid("empty path"));
        }
        Ok(Location::Local(PathBuf::from(text)))
    }
}

/// An opened data location: a store and the prefix under which minerva's tables live.
#[derive(Debug, Clone)]
pub struct DataStore {
    /// The object store.
    pub store: Arc<dyn ObjectStore>,
    /// Key prefix (no trailing `/`), possibly empty.
    pub prefix: String,
    /// Human-readable location, for messages.
    pub display: String,
}

impl DataStore {
    /// Opens `location`, creating a local folder if needed.
    pub fn open(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Local(path) => {
                std::fs::create_dir_all(path).map_err(|source| StoreError::CreateDir {
                    path: path.display().to_string(),
                    source,
                })?;
                let store = LocalFileSystem::new_with_prefix(path)
                    .map_err(|source| StoreError::Open {
                        location: path.display().to_string(),
                        source,
                    })?
                    .with_automatic_cleanup(false);
                Ok(DataStore {
                    store: Arc::new(store),
                    prefix: String::new(),
                    display: path.display().to_string(),
                })
            }
            Location::S3 { bucket, prefix } => Ok(DataStore {
                store: open_s3_bucket(bucket)?,
                prefix: prefix.clone(),
                display: format!("s3://{bucket}/{prefix}"),
            }),
        }
    }

    /// Joins the prefix and a relative key.
    pub fn key(&self, relative: &str) -> object_store::path::Path {
        if self.prefix.is_empty() {
            object_store::path::Path::from(relative)
        } else {
            object_store::path::Path::from(format!("{}/{relative}", self.prefix))
        }
    }
}

/// Opens an S3 bucket with settings from the `AWS_*` environment variables.
pub fn open_s3_bucket(bucket: &str) -> Result<Arc<dyn ObjectStore>, StoreError> {
    let builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    let endpoint_is_http = builder
        .get_config_value(&object_store::aws::AmazonS3ConfigKey::Endpoint)
        .is_some_and(|e| e.starts_with("http://"));
    let store = builder
        .with_allow_http(endpoint_is_http)
        .build()
        .map_err(|source| StoreError::Open {
            location: format!("s3://{bucket}"),
            source,
        })?;
    Ok(Arc::new(store))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_locations() {
        assert_eq!(
            Location::parse("s3://b/p/q/").unwrap(),
            Location::S3 {
                bucket: "b".into(),
                prefix: "p/q".into()
            }
        );
        assert_eq!(
            Location::parse("s3://b").unwrap(),
            Location::S3 {
                bucket: "b".into(),
                prefix: String::new()
            }
        );
        assert_eq!(
            Location::parse("./d").unwrap(),
            Location::Local("./d".into())
        );
        assert_eq!(
            Location::parse("file:///tmp/x").unwrap(),
            Location::Local("/tmp/x".into())
        );
        assert!(Location::parse("s3://").is_err());
        assert!(Location::parse("gs://b").is_err());
        assert!(Location::parse("").is_err());
    }

    #[test]
    fn local_store_creates_the_folder_and_joins_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new");
        let store = DataStore::open(&Location::Local(path.clone())).unwrap();
        assert!(path.is_dir());
        assert_eq!(store.key("indices/x").as_ref(), "indices/x");
        let s3 = DataStore {
            prefix: "p".into(),
            ..store
        };
        assert_eq!(s3.key("indices/x").as_ref(), "p/indices/x");
    }
}
