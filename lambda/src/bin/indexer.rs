//! `minerva-indexer-lambda`: SQS batches of S3 object events → index files.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use minerva_indexer::IndexerConfig;
use minerva_lambda::config::{Env, IndexerSettings};
use minerva_lambda::indexer::{IndexerContext, S3Sources, handle};
use minerva_store::{DataStore, Location};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = IndexerSettings::try_from_vars(&Env)?;
    let mut config = IndexerConfig::default();
    if let Some(rules) = settings.rules() {
        config.apply_toml(&minerva_lambda::config::read_rules(rules).await?)?;
    }
    if let Some(mb) = settings.memory_budget_mb() {
        config.set_memory_budget_mb(mb)?;
    }
    let data = DataStore::open(&Location::parse(settings.data())?)?;
    let context = Arc::new(IndexerContext::new(
        data,
        config,
        Arc::new(S3Sources::default()),
        settings.max_receive_count(),
        settings.deadline_margin(),
    ));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let context = context.clone();
        async move {
            let deadline = minerva_lambda::deadline_instant(event.context.deadline);
            Ok::<SqsBatchResponse, Error>(handle(&context, event.payload, deadline).await)
        }
    }))
    .await
}
