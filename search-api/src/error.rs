//! The one place where errors become HTTP responses: `{"error": {"code", "message"}}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minerva_core::query::QueryError;
use minerva_search::SearchError;
use serde::Serialize;
use utoipa::ToSchema;

/// An API error.
#[derive(Debug)]
pub enum ApiError {
    /// The query does not parse.
    BadQuery(String),
    /// Anything else wrong in the request.
    BadRequest(String),
    /// Missing or wrong bearer token.
    Unauthorized,
    /// Unknown or expired search, or unknown path.
    NotFound(String),
    /// The search has no result to read yet.
    NotReady(String),
    /// Too many searches pending.
    TooMany(String),
    /// The search reads more than the configured limit allows.
    LimitExceeded(String),
    /// The search's stored results are gone.
    Gone(String),
    /// The query engine is throttling or unreachable; try again later.
    Unavailable(String),
    /// A bug or a storage failure.
    Internal(String),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code: `bad_query`, `bad_request`, `unauthorized`, `not_found`,
    /// `not_ready`, `too_large`, `too_many_searches`, `limit_exceeded`, `expired`,
    /// `unavailable`, `internal`.
    pub code: String,
    /// What is wrong, and where.
    pub message: String,
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::BadQuery(m) => (StatusCode::BAD_REQUEST, "bad_query", m.clone()),
            ApiError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m.clone()),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid bearer token is required (Authorization: Bearer <token>)".into(),
            ),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m.clone()),
            ApiError::NotReady(m) => (StatusCode::CONFLICT, "not_ready", m.clone()),
            ApiError::TooMany(m) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_searches",
                m.clone(),
            ),
            ApiError::LimitExceeded(m) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "limit_exceeded",
                m.clone(),
            ),
            ApiError::Gone(m) => (StatusCode::GONE, "expired", m.clone()),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", m.clone()),
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", m.clone()),
        }
    }
}

/// Builds an error response with any status (also used for rejections axum makes itself).
pub fn error_response(status: StatusCode, code: &str, message: String) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
        },
    };
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            axum::http::header::WWW_AUTHENTICATE,
            axum::http::HeaderValue::from_static("Bearer"),
        );
    }
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        if status.is_server_error() {
            tracing::error!(%message, "request failed");
        }
        error_response(status, code, message)
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::BadRequest(m) => ApiError::BadRequest(m),
            SearchError::Sql(e) => ApiError::BadQuery(e.to_string()),
            SearchError::NotFound(id) => {
                ApiError::NotFound(format!("no search with id {id} (unknown or expired)"))
            }
            SearchError::NotReady(m) => ApiError::NotReady(m),
            SearchError::TooMany(m) => ApiError::TooMany(m),
            SearchError::LimitExceeded(m) => ApiError::LimitExceeded(m),
            SearchError::Expired(m) => ApiError::Gone(m),
            SearchError::Unavailable(m) => ApiError::Unavailable(m),
            other @ (SearchError::Engine(_) | SearchError::Internal(_)) => {
                ApiError::Internal(other.to_string())
            }
        }
    }
}

impl From<QueryError> for ApiError {
    fn from(error: QueryError) -> Self {
        ApiError::BadQuery(error.to_string())
    }
}
