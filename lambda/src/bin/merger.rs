//! `minerva-merger-lambda`: the hourly compaction (and merges on demand).

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use minerva_lambda::config::{Env, MergerSettings};
use minerva_lambda::merger::{MergeRequest, MergeSummary, handle};
use minerva_store::{DataStore, Location};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let settings = Arc::new(MergerSettings::try_from_vars(&Env)?);
    let data = Arc::new(DataStore::open(&Location::parse(settings.data())?)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<MergeRequest>| {
        let (settings, data) = (settings.clone(), data.clone());
        async move {
            let stop_at = minerva_lambda::deadline_instant(event.context.deadline)
                .checked_sub(settings.deadline_margin())
                .unwrap_or_else(std::time::Instant::now);
            let summary: MergeSummary =
                handle(&data, &event.payload, settings.lookback_hours(), stop_at).await?;
            Ok::<MergeSummary, Error>(summary)
        }
    }))
    .await
}
