//! The minerva search API: an axum [`Router`] over any [`SearchBackend`], with the web UI.
//!
//! [`router`] builds everything from an [`AppState`]; `minerva serve` binds it to a socket, and
//! the same router can run in AWS Lambda behind API Gateway. Routes and the OpenAPI document
//! come from one list ([`api_routes`]), so the spec cannot drift from the handlers.
//!
//! The API contract, with examples, is `search-api/API.md`.

mod assets;
pub mod config;
pub mod error;
mod export;
pub mod model;
mod search;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minerva_search::SearchBackend;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use config::{ApiConfig, ApiLimits, ApiToken};
pub use error::ApiError;

use crate::error::error_response;
use crate::model::Health;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// Where searches run.
    pub backend: Arc<dyn SearchBackend>,
    /// Token and limits.
    pub config: Arc<ApiConfig>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "minerva search API",
        description = "Exact keyword search over security logs in object storage.",
        version = "1"
    ),
    components(schemas(model::ExportFormat))
)]
struct ApiDoc;

/// The `/api/v1` routes and their OpenAPI document.
pub fn api_routes() -> (Router<AppState>, OpenApiDoc) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(search::create_search))
        .routes(routes!(search::estimate))
        .routes(routes!(search::get_search, search::cancel))
        .routes(routes!(search::logs))
        .routes(routes!(search::timeline))
        .routes(routes!(export::export))
        .routes(routes!(search::fields))
        .split_for_parts();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    (router, doc)
}

/// The OpenAPI document of the API; with `bearer`, every operation requires the token.
pub fn openapi(bearer: bool) -> OpenApiDoc {
    let mut doc = api_routes().1;
    if bearer {
        if let Some(components) = doc.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
        doc.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
    doc
}

/// Builds the whole application: `/api/v1/*` (token-protected when a token is set),
/// `/api/v1/openapi.json`, `/healthz` and the web UI.
pub fn router(state: AppState) -> Router {
    let (api, _) = api_routes();
    // The document says what this server requires: a token only when one is set.
    let doc = Arc::new(openapi(state.config.token.is_some()));
    let api = api
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), require_token))
        .fallback(|| async { ApiError::NotFound("no such API path".into()) });
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(healthz))
        .merge(assets::routes())
        .layer(DefaultBodyLimit::max(state.config.limits.max_body))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Liveness.
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// Refuses `/api/v1/*` requests without the configured bearer token.
async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Some(token) = &state.config.token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.as_bytes().strip_prefix(b"Bearer "));
        if !presented.is_some_and(|p| token.matches(p)) {
            return ApiError::Unauthorized.into_response();
        }
    }
    next.run(request).await
}

/// Headers that keep log content inert in a browser, and JSON errors for axum's own
/// rejections (body too large, method not allowed).
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_json
        && (status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::METHOD_NOT_ALLOWED)
    {
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "too_large"
        } else {
            "bad_request"
        };
        let message = status.canonical_reason().unwrap_or("error").to_lowercase();
        response = error_response(status, code, message);
    }
    let headers = response.headers_mut();
    for (name, value) in [
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
    ] {
        headers.insert(name, axum::http::HeaderValue::from_static(value));
    }
    response
}
