//! Errors of search execution.

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request is invalid (the caller's mistake).
    #[error("{0}")]
    BadRequest(String),
    /// The query cannot be rendered to SQL.
    #[error(transparent)]
    Sql(#[from] minerva_core::sql::SqlError),
    /// The engine failed.
    #[error("query engine: {0}")]
    Engine(#[from] datafusion::error::DataFusionError),
    /// An invariant was broken.
    #[error("internal error: {0}")]
    Internal(String),
    /// No search with that id.
    #[error("no search with id {0}")]
    NotFound(String),
    /// The search exists but has no result (yet).
    #[error("{0}")]
    NotReady(String),
    /// Too many searches are pending.
    #[error("{0}")]
    TooMany(String),
}

impl SearchError {
    /// True when the caller can fix the error by changing the request.
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            SearchError::BadRequest(_)
                | SearchError::Sql(_)
                | SearchError::NotFound(_)
                | SearchError::NotReady(_)
                | SearchError::TooMany(_)
        )
    }
}
