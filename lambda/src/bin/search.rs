//! `minerva-search-lambda`: the search API and web UI behind API Gateway (HTTP API), on Athena.

use minerva_lambda::config::{Env, SearchSettings};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = SearchSettings::try_from_vars(&Env)?;
    let router = minerva_lambda::search::build_router(&settings).await?;
    lambda_http::run(router).await
}
