//! The one error type of every backend. It names no engine: an engine's own error is turned
//! into [`SearchError::Engine`] (or a more precise variant) where it happens.

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The request is invalid (the caller's mistake).
    #[error("{0}")]
    BadRequest(String),
    /// The query cannot be rendered to SQL.
    #[error(transparent)]
    Sql(#[from] minerva_core::sql::SqlError),
    /// The engine failed to run a statement.
    #[error("query engine: {0}")]
    Engine(String),
    /// The engine is throttling or briefly unavailable; retrying later may work.
    #[error("query engine busy: {0}")]
    Unavailable(String),
    /// The search would read (or read) more than the configured limit allows.
    #[error("{0}")]
    LimitExceeded(String),
    /// The search's results are no longer stored (expired or deleted); run it again.
    #[error("{0}")]
    Expired(String),
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
                | SearchError::LimitExceeded(_)
                | SearchError::Expired(_)
        )
    }
}
