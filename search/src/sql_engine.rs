//! The seam between the search logic and an engine: "run this SQL, give me the rows", with the
//! dialect the engine speaks. The two-step search (`two_step`) is written once against it; the
//! embedded (DataFusion) and Athena engines implement it.

use async_trait::async_trait;
use minerva_core::sql::{Dialect, Tables};

use crate::backend::{ReadStats, SearchError};

/// One value of a result row, typed as the two-step search needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// SQL NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Bytes(Vec<u8>),
    /// A timestamp, microseconds since the epoch, UTC.
    Timestamp(i64),
}

impl Cell {
    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Cell::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// Microseconds since the epoch, if this is a timestamp.
    pub fn as_timestamp(&self) -> Option<i64> {
        match self {
            Cell::Timestamp(t) => Some(*t),
            _ => None,
        }
    }
}

/// The rows of one statement and what it read.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Rows, each with the statement's columns in order.
    pub rows: Vec<Vec<Cell>>,
    /// What the statement read.
    pub read: ReadStats,
}

/// An SQL engine the search can run statements on.
#[async_trait]
pub trait SqlEngine: Send + Sync {
    /// The SQL dialect it speaks.
    fn dialect(&self) -> Dialect;
    /// The table names to use.
    fn tables(&self) -> &Tables;
    /// Keys per message fetch statement.
    fn fetch_batch(&self) -> usize;
    /// Runs one statement to completion and returns every row (for results of bounded size:
    /// summaries, message pages, capped lookups).
    async fn query(&self, sql: &str) -> Result<Rows, SearchError>;
}
