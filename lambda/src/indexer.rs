//! The indexer function: SQS messages naming S3 objects in, index files and ledger entries out,
//! and the ids of the messages to retry (`batchItemFailures`) back.
//!
//! Per message: the body is parsed tolerantly ([`crate::events`]); test events and removals are
//! acknowledged; each object is looked up (HEAD), skipped if the ledger says this version was
//! indexed already, and otherwise indexed with the same library code as `minerva index`. The
//! objects of one batch are indexed together, `parallelism` at a time. A message fails (and is
//! retried, then moved to the dead-letter queue by the queue's redrive policy) when its body
//! cannot be understood, an object cannot be read (throttling, permissions), or reading stopped
//! early; what was read is stored either way and a retry overwrites the same files.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use minerva_indexer::input::{s3_input, s3_version};
use minerva_indexer::{
    IndexerConfig, Ingest, Input, Ledger, Progress, Replace, StaleParts, index_inputs,
};
use minerva_store::DataStore;
use object_store::{ObjectStore, ObjectStoreExt};

use crate::events::{Body, ObjectRef, parse_body};

/// Opens the source buckets (S3 in Lambda, anything in tests).
pub trait SourceStores: Send + Sync {
    /// The store of `bucket`.
    fn open(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, String>;
}

/// S3 buckets opened with the function's credentials, one client per bucket.
#[derive(Debug, Default)]
pub struct S3Sources {
    opened: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl SourceStores for S3Sources {
    fn open(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, String> {
        let mut opened = self.opened.lock().map_err(|e| e.to_string())?;
        if let Some(store) = opened.get(bucket) {
            return Ok(store.clone());
        }
        let store = minerva_store::open_s3_bucket(bucket).map_err(|e| e.to_string())?;
        opened.insert(bucket.to_owned(), store.clone());
        Ok(store)
    }
}

/// Everything the handler needs, built once per cold start.
pub struct IndexerContext {
    data: DataStore,
    ledger: Ledger,
    config: IndexerConfig,
    sources: Arc<dyn SourceStores>,
    max_receive_count: u32,
    deadline_margin: Duration,
}

impl IndexerContext {
    /// A context writing into `data`. Stale part files are found through the ledger, which
    /// every ingest is committed to, not by listing hour folders.
    pub fn new(
        data: DataStore,
        mut config: IndexerConfig,
        sources: Arc<dyn SourceStores>,
        max_receive_count: u32,
        deadline_margin: Duration,
    ) -> Self {
        config.stale_parts = StaleParts::FromLedger;
        IndexerContext {
            ledger: Ledger::new(data.clone()),
            data,
            config,
            sources,
            max_receive_count,
            deadline_margin,
        }
    }
}

/// What happened to one message, for the log and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Objects indexed.
    Indexed(usize),
    /// Nothing to do (test event, removal, already indexed, object gone).
    Skipped(String),
    /// To be retried; the reason.
    Failed(String),
}

struct Pending {
    message: usize,
    input: Input,
    version: String,
}

/// Handles one SQS batch; `deadline` is the function's deadline.
pub async fn handle(ctx: &IndexerContext, event: SqsEvent, deadline: Instant) -> SqsBatchResponse {
    let outcomes = handle_messages(ctx, &event.records, deadline).await;
    let mut response = SqsBatchResponse::default();
    for (message, outcome) in event.records.iter().zip(outcomes) {
        let id = message.message_id.clone().unwrap_or_default();
        let receives: u32 = message
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|c| c.parse().ok())
            .unwrap_or(1);
        match outcome {
            Outcome::Indexed(n) => tracing::info!(message_id = %id, objects = n, "indexed"),
            Outcome::Skipped(why) => tracing::info!(message_id = %id, reason = %why, "skipped"),
            Outcome::Failed(why) => {
                if receives >= ctx.max_receive_count {
                    tracing::error!(message_id = %id, receives, reason = %why,
                        "giving up: the message goes to the dead-letter queue");
                } else {
                    tracing::warn!(message_id = %id, receives, reason = %why, "failed; will be retried");
                }
                let mut failure = BatchItemFailure::default();
                // An empty identifier would fail the whole batch: AWS always sets one.
                failure.item_identifier = id;
                response.batch_item_failures.push(failure);
            }
        }
    }
    response
}

/// The outcome of each message, in order.
pub async fn handle_messages(
    ctx: &IndexerContext,
    messages: &[SqsMessage],
    deadline: Instant,
) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; messages.len()];
    let mut pending = Vec::new();
    let mut indexed_per_message = vec![0usize; messages.len()];
    for (position, message) in messages.iter().enumerate() {
        let body = message.body.as_deref().unwrap_or_default();
        let objects = match parse_body(body) {
            Ok(Body::Objects(objects)) => objects,
            Ok(Body::Skip(why)) => {
                outcomes[position] = Some(Outcome::Skipped(why));
                continue;
            }
            Err(e) => {
                outcomes[position] = Some(Outcome::Failed(e.to_string()));
                continue;
            }
        };
        for object in objects {
            match resolve(ctx, &object).await {
                Ok(Some((input, version))) => pending.push(Pending {
                    message: position,
                    input,
                    version,
                }),
                Ok(None) => {}
                Err(why) => {
                    outcomes[position] = Some(Outcome::Failed(why));
                }
            }
        }
    }
    // Skip what the ledger says is indexed already (a re-delivered event).
    let mut to_index = Vec::new();
    for item in pending {
        if outcomes[item.message].is_some() {
            continue;
        }
        match ctx.ledger.load(&item.input.object.uri).await {
            Ok(entry) if entry.is_indexed(item.input.object.id.as_str()) => {
                tracing::info!(uri = %item.input.object.uri, "already indexed; skipped");
            }
            Ok(_) => to_index.push(item),
            Err(e) => outcomes[item.message] = Some(Outcome::Failed(e.to_string())),
        }
    }
    to_index.retain(|item| outcomes[item.message].is_none());
    if !to_index.is_empty() {
        index_pending(
            ctx,
            &to_index,
            deadline,
            &mut outcomes,
            &mut indexed_per_message,
        )
        .await;
    }
    outcomes
        .into_iter()
        .zip(indexed_per_message)
        .map(|(outcome, n)| match outcome {
            Some(outcome) => outcome,
            None if n > 0 => Outcome::Indexed(n),
            None => Outcome::Skipped("nothing new to index".into()),
        })
        .collect()
}

async fn index_pending(
    ctx: &IndexerContext,
    items: &[Pending],
    deadline: Instant,
    outcomes: &mut [Option<Outcome>],
    indexed: &mut [usize],
) {
    let progress = Arc::new(Progress::default());
    let stop_at = deadline
        .checked_sub(ctx.deadline_margin)
        .unwrap_or_else(Instant::now);
    let stopper = {
        let progress = progress.clone();
        tokio::spawn(async move {
            tokio::time::sleep_until(stop_at.into()).await;
            tracing::warn!("the deadline is near: stopping at the next record");
            progress.request_stop();
        })
    };
    let inputs: Vec<Input> = items.iter().map(|p| p.input.clone()).collect();
    let result = index_inputs(&ctx.data, inputs, &ctx.config, progress).await;
    stopper.abort();
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            for item in items {
                outcomes[item.message] = Some(Outcome::Failed(e.to_string()));
            }
            return;
        }
    };
    for (item, object) in items.iter().zip(&report.objects) {
        let ingest = Ingest::from_report(
            &item.input.object.id,
            &item.version,
            (0, item.input.size),
            0,
            object,
        );
        if let Err(e) = ctx
            .ledger
            .commit(&item.input.object.uri, ingest, Replace::Source, None)
            .await
        {
            outcomes[item.message] = Some(Outcome::Failed(e.to_string()));
            continue;
        }
        match &object.error {
            Some(error) => {
                if error.contains("before the deadline") {
                    tracing::error!(uri = %object.uri, size = item.input.size, bytes_read = object.bytes,
                        "object too big for one invocation: what was read is indexed; index the rest with `minerva index`");
                }
                outcomes[item.message] = Some(Outcome::Failed(error.clone()));
            }
            None => {
                indexed[item.message] += 1;
                tracing::info!(uri = %object.uri, records = object.records, files = object.files.len(),
                    bytes = object.bytes, "object indexed");
            }
        }
    }
}

/// Looks the object up: `Ok(None)` when it is gone (deleted before we got to it: nothing to
/// index, nothing to retry) or excluded by the rules.
async fn resolve(
    ctx: &IndexerContext,
    object: &ObjectRef,
) -> Result<Option<(Input, String)>, String> {
    let store = ctx.sources.open(&object.bucket)?;
    let mut keys = vec![object.key.as_str()];
    if object.key_as_sent != object.key {
        keys.push(object.key_as_sent.as_str());
    }
    for key in keys {
        // The key as it is (`parse` keeps `%`, spaces and unicode); `from` only for keys that
        // `parse` refuses (empty segments), which it normalises.
        let path = object_store::path::Path::parse(key)
            .unwrap_or_else(|_| object_store::path::Path::from(key));
        match store.head(&path).await {
            Ok(meta) => {
                let version = s3_version(&meta);
                return Ok(s3_input(&store, &object.bucket, meta, &ctx.config)
                    .map(|input| (input, version)));
            }
            Err(object_store::Error::NotFound { .. }) => continue,
            Err(e) => return Err(format!("s3://{}/{key}: {e}", object.bucket)),
        }
    }
    tracing::warn!(bucket = %object.bucket, key = %object.key, "object not found (deleted?); skipped");
    Ok(None)
}
