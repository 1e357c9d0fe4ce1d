//! Error types of the indexer library.

/// A configuration value that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The value is invalid; the message says which and why.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Why indexing an object (or a run) failed.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// Reading the source object failed.
    #[error("{source_uri}: read failed after line {line}: {message}")]
    Read {
        /// Object URI.
        source_uri: String,
        /// Last line read (0-based), or 0 before the first.
        line: u64,
        /// What failed.
        message: String,
    },
    /// Listing or opening inputs failed.
    #[error("{uri}: {message}")]
    Input {
        /// The input.
        uri: String,
        /// What failed.
        message: String,
    },
    /// Writing an output file failed.
    #[error("writing {key}: {message}")]
    Write {
        /// Output key.
        key: String,
        /// What failed.
        message: String,
    },
    /// Encoding Parquet failed.
    #[error("encoding parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Reading stopped early because the caller asked (a deadline was near); everything read
    /// before `line` is stored.
    #[error("{source_uri}: stopped after line {line} before the deadline; the rest is not indexed")]
    Stopped {
        /// Object URI.
        source_uri: String,
        /// Lines read.
        line: u64,
    },
    /// Reading or writing the ingest ledger failed.
    #[error("ingest ledger {key}: {message}")]
    Ledger {
        /// Ledger key.
        key: String,
        /// What failed.
        message: String,
    },
    /// A worker thread died.
    #[error("worker failed: {0}")]
    Worker(String),
}
