//! Error type of the merger library.

/// Why a merge failed. Nothing is deleted after a failure: a rerun completes the job.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The configuration cannot be used.
    #[error("invalid merge configuration: {0}")]
    Config(String),
    /// Listing, reading, writing or deleting an object failed.
    #[error("{key}: {source}")]
    Store {
        /// The object or folder.
        key: String,
        /// The cause.
        source: object_store::Error,
    },
    /// A Parquet file could not be read or written.
    #[error("{key}: {source}")]
    Parquet {
        /// The file.
        key: String,
        /// The cause.
        source: parquet::errors::ParquetError,
    },
    /// An input does not have the table's schema or sort order; it is left as it is.
    #[error("{key}: {message}")]
    BadInput {
        /// The file.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// An input disappeared while it was being merged: another merge of the same partition
    /// took it. This merge stops without deleting anything; the rerun sees the other's result.
    #[error("{key} was merged by another run at the same time")]
    Conflict {
        /// The file.
        key: String,
    },
    /// Arrow failed while combining rows.
    #[error("merging rows: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
}

impl MergeError {
    pub(crate) fn store(key: impl std::fmt::Display, source: object_store::Error) -> Self {
        match source {
            object_store::Error::NotFound { .. } => MergeError::Conflict {
                key: key.to_string(),
            },
            source => MergeError::Store {
                key: key.to_string(),
                source,
            },
        }
    }

    pub(crate) fn parquet(
        key: impl std::fmt::Display,
        source: parquet::errors::ParquetError,
    ) -> Self {
        MergeError::Parquet {
            key: key.to_string(),
            source,
        }
    }
}
