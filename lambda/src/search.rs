//! The search API function: the same axum router as `minerva serve`, on the Athena backend,
//! with the bearer token read from Secrets Manager at cold start (or API Gateway's JWT
//! authorizer in front).

use std::sync::Arc;
use std::time::Duration;

use minerva_search::athena::{AthenaBackend, AthenaConfig, AthenaEngine};
use minerva_search_api::{ApiConfig, ApiLimits, ApiToken, AppState, router};
use minerva_store::{DataStore, Location};

use crate::config::{ApiAuth, SearchSettings, TokenSource};

/// Longest wait for one Athena statement inside a request-driven search, seconds.
const ATHENA_MAX_WAIT: Duration = Duration::from_secs(600);

/// Reads the token a caller must present (nothing with JWT auth: API Gateway checked it).
pub async fn api_token(auth: &ApiAuth) -> anyhow::Result<Option<ApiToken>> {
    let text = match auth {
        ApiAuth::Jwt => return Ok(None),
        ApiAuth::Token(TokenSource::Value(token)) => token.clone(),
        ApiAuth::Token(TokenSource::Secret(id)) => {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let client = aws_sdk_secretsmanager::Client::new(&config);
            let secret = client
                .get_secret_value()
                .secret_id(id)
                .send()
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "reading the API token secret {id}: {}",
                        aws_sdk_secretsmanager::error::DisplayErrorContext(e)
                    )
                })?;
            secret
                .secret_string()
                .map(str::trim)
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("the API token secret {id} has no string value"))?
        }
    };
    Ok(Some(ApiToken::new(&text).map_err(|e| anyhow::anyhow!(e))?))
}

/// The router over the Athena backend, built once per cold start.
pub async fn build_router(settings: &SearchSettings) -> anyhow::Result<axum::Router> {
    let token = api_token(settings.auth()).await?;
    let config = AthenaConfig::try_new(
        settings.workgroup(),
        settings.database(),
        settings.output(),
        ATHENA_MAX_WAIT,
    )?;
    let engine = AthenaEngine::from_env(config).await?;
    let data = match settings.data() {
        Some(text) => Some(DataStore::open(&Location::parse(text)?)?),
        None => None,
    };
    let state = AppState {
        backend: Arc::new(AthenaBackend::new(engine, data)),
        config: Arc::new(ApiConfig {
            token,
            limits: ApiLimits {
                max_range: Duration::from_secs(settings.max_range_days() * 86_400),
                ..ApiLimits::default()
            },
        }),
    };
    Ok(router(state))
}
