//! Handlers of `/api/v1/search…` and `/api/v1/fields`.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use minerva_core::query::{Query as Ast, parse};
use minerva_core::verify::{RecordTokens, matched_terms};
use minerva_search::{SearchRequest, SearchState};

use crate::model::EstimateView;

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::model::{
    BucketView, CreateSearch, Created, FieldView, Fields, HitView, LogsPage, LogsParams,
    RangeParams, SearchView, StateName, Timeline, TimelineParams, parse_range, rfc3339,
};

/// Default page size.
const DEFAULT_PAGE: usize = 50;

/// Default timeline buckets.
const DEFAULT_BUCKETS: usize = 60;

pub(crate) fn query_params<T>(params: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    params
        .map(|Query(p)| p)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// Starts a search.
#[utoipa::path(post, path = "/search", tag = "search",
    request_body = CreateSearch,
    responses(
        (status = 201, description = "Search started", body = Created,
            headers(("Location" = String, description = "URL of the search"))),
        (status = 400, description = "Bad query or range", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 429, description = "Too many searches pending", body = ErrorBody),
    ))]
pub async fn create_search(
    State(state): State<AppState>,
    body: Result<Json<CreateSearch>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let request = search_request(&state, body)?;
    let id = state.backend.submit(request).await?;
    let mut headers = HeaderMap::new();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/search/{id}")) {
        headers.insert(header::LOCATION, location);
    }
    Ok((StatusCode::CREATED, headers, Json(Created { id })))
}

/// Parses and checks the body of `POST /search` and `POST /search/estimate`.
fn search_request(
    state: &AppState,
    body: Result<Json<CreateSearch>, JsonRejection>,
) -> Result<SearchRequest, ApiError> {
    let Json(body) = body.map_err(|e| match e {
        JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::BadRequest(format!(
                "body larger than {} bytes",
                state.config.limits.max_body
            ))
        }
        other => ApiError::BadRequest(other.body_text()),
    })?;
    let query = parse(&body.query)?;
    let (from_us, to_us) = parse_range(&body.start, &body.end, state.config.limits.max_range)?;
    if body.tags.len() > state.config.limits.max_tags {
        return Err(ApiError::BadRequest(format!(
            "at most {} tags",
            state.config.limits.max_tags
        )));
    }
    if let Some(bad) = body.tags.iter().find(|t| t.is_empty() || t.len() > 256) {
        return Err(ApiError::BadRequest(format!("invalid tag {bad:?}")));
    }
    Ok(SearchRequest {
        hours: None,
        query,
        from_us,
        to_us,
        tags: body.tags,
    })
}

/// What a search would read and cost, before it runs (nothing is started).
#[utoipa::path(post, path = "/search/estimate", tag = "search",
    request_body = CreateSearch,
    responses(
        (status = 200, description = "Upper bound of the bytes and dollars", body = EstimateView),
        (status = 400, description = "Bad query or range", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
    ))]
pub async fn estimate(
    State(state): State<AppState>,
    body: Result<Json<CreateSearch>, JsonRejection>,
) -> Result<Json<EstimateView>, ApiError> {
    let request = search_request(&state, body)?;
    let estimate = state.backend.estimate(&request).await?;
    Ok(Json(EstimateView {
        engine: state.backend.engine().to_owned(),
        partitions: estimate.partitions,
        index_files: estimate.index_files,
        index_bytes: estimate.index_bytes,
        message_bytes: estimate.message_bytes,
        statements: estimate.statements,
        max_scan_bytes: estimate.max_scan_bytes,
        max_cost_usd: estimate.max_cost_usd,
    }))
}

/// Positive terms of a query, as tokens (for highlighting). A CIDR block has no token of its
/// own: each hit's `matched` lists the addresses it matched.
fn positive_terms(query: &Ast) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let leaves = query
        .positive_leaves()
        .into_iter()
        .filter(|m| m.cidr.is_none());
    for token in leaves.flat_map(|m| &m.tokens) {
        if !out.contains(token) {
            out.push(token.clone());
        }
    }
    out
}

/// Reports a search's state, hits and cost.
#[utoipa::path(get, path = "/search/{id}", tag = "search",
    params(("id" = String, Path, description = "Search id")),
    responses(
        (status = 200, description = "State of the search", body = SearchView),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "Unknown or expired search", body = ErrorBody),
    ))]
pub async fn get_search(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SearchView>, ApiError> {
    let status = state.backend.status(&id).await?;
    let (name, reason) = match &status.state {
        SearchState::Queued => (StateName::Queued, None),
        SearchState::Running => (StateName::Running, None),
        SearchState::Succeeded => (StateName::Succeeded, None),
        SearchState::Failed { reason } => (StateName::Failed, Some(reason.clone())),
        SearchState::Cancelled => (StateName::Cancelled, None),
    };
    let request = &status.request;
    Ok(Json(SearchView {
        id,
        query: request.query.to_string(),
        start: rfc3339(request.from_us),
        end: rfc3339(request.to_us),
        tags: request.tags.clone(),
        state: name,
        reason,
        elapsed_ms: status.elapsed_ms,
        total: status.total,
        truncated: status.truncated,
        limit_note: status.limit_note,
        engine: status.engine.to_owned(),
        bytes_scanned: status.read.bytes,
        files_read: status.read.files,
        hours_read: request.hours_read().0,
        hours_in_range: request.hours_read().1,
        statements: status.read.statements,
        cost_usd: status.cost_usd,
        tag_counts: status.tag_counts,
        terms: positive_terms(&request.query),
    }))
}

/// A page of hits, newest first.
#[utoipa::path(get, path = "/search/{id}/logs", tag = "search",
    params(("id" = String, Path, description = "Search id"), LogsParams),
    responses(
        (status = 200, description = "A page of hits", body = LogsPage),
        (status = 400, description = "Bad paging", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "Unknown or expired search", body = ErrorBody),
        (status = 409, description = "The search has not succeeded", body = ErrorBody),
    ))]
pub async fn logs(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<LogsParams>, QueryRejection>,
) -> Result<Json<LogsPage>, ApiError> {
    let params = query_params(params)?;
    let offset = params.offset.unwrap_or(0);
    let limit = params.limit.unwrap_or(DEFAULT_PAGE);
    let max = state.config.limits.max_page;
    if !(1..=max).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {max}"
        )));
    }
    let status = state.backend.status(&id).await?;
    let page = state
        .backend
        .page(
            &id,
            offset,
            limit,
            params.tag.as_deref().filter(|t| !t.is_empty()),
        )
        .await?;
    let query = &status.request.query;
    let hits = page
        .hits
        .into_iter()
        .map(|hit| HitView {
            matched: matched_terms(query, &RecordTokens::from_message(&hit.message)),
            timestamp: rfc3339(hit.timestamp_us),
            tag: hit.tag,
            source: hit.source,
            seq: hit.seq,
            object_id: hit.object_id,
            message: hit.message,
        })
        .collect();
    Ok(Json(LogsPage {
        offset,
        limit,
        total: page.total,
        hits,
    }))
}

/// Hits per time bucket and log type.
#[utoipa::path(get, path = "/search/{id}/timeline", tag = "search",
    params(("id" = String, Path, description = "Search id"), TimelineParams),
    responses(
        (status = 200, description = "Counts per bucket", body = Timeline),
        (status = 400, description = "Bad bucket count", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "Unknown or expired search", body = ErrorBody),
        (status = 409, description = "The search has not succeeded", body = ErrorBody),
    ))]
pub async fn timeline(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<TimelineParams>, QueryRejection>,
) -> Result<Json<Timeline>, ApiError> {
    let params = query_params(params)?;
    let buckets = params.buckets.unwrap_or(DEFAULT_BUCKETS);
    let status = state.backend.status(&id).await?;
    let list = state.backend.timeline(&id, buckets).await?;
    let (from, to) = (status.request.from_us, status.request.to_us);
    Ok(Json(Timeline {
        start: rfc3339(from),
        end: rfc3339(to),
        bucket_seconds: (to - from) as f64 / 1e6 / buckets as f64,
        buckets: list
            .into_iter()
            .map(|b| BucketView {
                start: rfc3339(b.start_us),
                counts: b.counts,
            })
            .collect(),
    }))
}

/// Cancels a running search, or forgets a finished one.
#[utoipa::path(delete, path = "/search/{id}", tag = "search",
    params(("id" = String, Path, description = "Search id")),
    responses(
        (status = 204, description = "Cancelled or forgotten"),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "Unknown or expired search", body = ErrorBody),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.backend.cancel(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Field names indexed in a time range, most frequent first (for autocomplete).
#[utoipa::path(get, path = "/fields", tag = "search",
    params(RangeParams),
    responses(
        (status = 200, description = "Field names", body = Fields),
        (status = 400, description = "Bad range", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
    ))]
pub async fn fields(
    State(state): State<AppState>,
    params: Result<Query<RangeParams>, QueryRejection>,
) -> Result<Json<Fields>, ApiError> {
    let params = query_params(params)?;
    let (from, to) = parse_range(&params.start, &params.end, state.config.limits.max_range)?;
    let list = state
        .backend
        .fields(from, to, state.config.limits.max_fields)
        .await?;
    Ok(Json(Fields {
        fields: list
            .into_iter()
            .map(|f| FieldView {
                name: f.name,
                count: f.count,
            })
            .collect(),
    }))
}
