//! The indexer handler on event fixtures, with in-memory stores for the source bucket and the
//! index: partial batch failures, skips, re-delivery, new versions, deleted and throttled
//! objects, and the deadline.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use common::{FlakyStore, Sources, fixture_event, index_files, put};
use minerva_indexer::{IndexerConfig, Ledger};
use minerva_lambda::indexer::{IndexerContext, Outcome, handle, handle_messages};
use minerva_store::DataStore;
use object_store::memory::InMemory;

fn data() -> DataStore {
    DataStore {
        store: Arc::new(InMemory::new()),
        prefix: "minerva".into(),
        display: "memory".into(),
    }
}

fn context(data: &DataStore, sources: Arc<Sources>) -> IndexerContext {
    IndexerContext::new(
        data.clone(),
        IndexerConfig::default(),
        sources,
        3,
        Duration::from_secs(5),
    )
}

fn event(messages: &[SqsMessage]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages.to_vec();
    event
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(600)
}

const APP_LOG: &[u8] =
    b"{\"time\":\"2024-01-01T05:00:00Z\",\"user\":\"alice\",\"src\":\"10.1.2.3\"}\n\
{\"time\":\"2024-01-01T05:30:00Z\",\"user\":\"bob\"}\nnot json at all, still indexed\n";

/// A message whose body is an S3 event for `key` in `source-logs`.
fn s3_message(id: &str, key_as_sent: &str, receives: u32) -> SqsMessage {
    let body = serde_json::json!({"Records": [{
        "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "source-logs"}, "object": {"key": key_as_sent}}
    }]});
    let mut message = SqsMessage::default();
    message.message_id = Some(id.into());
    message.body = Some(body.to_string());
    message
        .attributes
        .insert("ApproximateReceiveCount".into(), receives.to_string());
    message
}

#[tokio::test]
async fn a_mixed_batch_fails_only_the_messages_to_retry() {
    let sources = Sources::default();
    let bucket = sources.bucket("source-logs");
    put(
        &bucket,
        "cloudtrail/2026/11/30/trail file(1).json.gz",
        APP_LOG,
    )
    .await;
    put(
        &bucket,
        "vpc/flow log ü.txt",
        b"2 123 eni-1 10.0.0.1 10.0.0.2 443 5000 6 1 40 1700000000 1700000060 ACCEPT OK\n",
    )
    .await;
    let data = data();
    let ctx = context(&data, Arc::new(sources));
    let response = handle(&ctx, fixture_event("sqs-mixed.json"), far()).await;
    let mut failed: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    failed.sort();
    // Bodies we cannot read are retried (and end in the DLQ); the test event, removals and
    // both created objects (raw S3, EventBridge) are done.
    assert_eq!(failed, ["not-json", "sns-not-json", "unknown-json"]);
    let files = index_files(&data).await;
    assert_eq!(
        files.len(),
        4,
        "two objects, messages + indices each: {files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("minerva/indices/dt=2024-01-01-05/"))
    );
}

#[tokio::test]
async fn moto_events_with_encoded_keys_are_indexed_and_re_delivery_is_skipped() {
    let sources = Sources::default();
    let bucket = sources.bucket("source-logs");
    put(&bucket, "app/dt=2024/a b+c ü.log", APP_LOG).await;
    let data = data();
    let ctx = context(&data, Arc::new(sources));
    let event = fixture_event("sqs-sns-s3-moto.json");
    let outcomes = handle_messages(&ctx, &event.records, far()).await;
    assert_eq!(
        outcomes,
        [Outcome::Skipped("s3:TestEvent".into()), Outcome::Indexed(1)]
    );
    let ledger = Ledger::new(data.clone());
    let entry = ledger
        .load("s3://source-logs/app/dt=2024/a b+c ü.log")
        .await
        .unwrap();
    assert_eq!(entry.ingests.len(), 1);
    assert_eq!(entry.ingests[0].records, 3, "the text line is stored too");
    assert_eq!(entry.ingests[0].hours, ["2024-01-01-05"]);
    let before = index_files(&data).await;
    // The same event again: one ledger read, nothing written.
    let again = handle_messages(&ctx, &event.records, far()).await;
    assert_eq!(again[1], Outcome::Skipped("nothing new to index".into()));
    assert_eq!(index_files(&data).await, before);
}

#[tokio::test]
async fn a_new_version_replaces_the_old_hours() {
    let sources = Sources::default();
    let bucket = sources.bucket("source-logs");
    put(&bucket, "app.log", APP_LOG).await;
    let data = data();
    let ctx = context(&data, Arc::new(sources));
    let message = [s3_message("m1", "app.log", 1)];
    assert_eq!(
        handle_messages(&ctx, &message, far()).await,
        [Outcome::Indexed(1)]
    );
    let first = index_files(&data).await;
    assert!(
        first.iter().all(|f| f.contains("dt=2024-01-01-05")),
        "{first:?}"
    );
    // The key is overwritten with records of another hour: the old hour's files go.
    put(
        &bucket,
        "app.log",
        b"{\"time\":\"2024-02-02T07:00:00Z\",\"user\":\"carol\"}\n",
    )
    .await;
    assert_eq!(
        handle_messages(&ctx, &message, far()).await,
        [Outcome::Indexed(1)]
    );
    let second = index_files(&data).await;
    assert_eq!(second.len(), 2, "{second:?}");
    assert!(
        second.iter().all(|f| f.contains("dt=2024-02-02-07")),
        "{second:?}"
    );
}

#[tokio::test]
async fn a_deleted_object_is_skipped_and_a_throttled_one_retried() {
    let sources = Sources::default();
    let flaky = Arc::new(FlakyStore::new(Arc::new(InMemory::new())));
    sources.insert("source-logs", flaky.clone());
    put(&(flaky.clone() as _), "present.log", APP_LOG).await;
    let data = data();
    let ctx = context(&data, Arc::new(sources));
    let gone = [s3_message("gone", "deleted.log", 1)];
    assert!(
        handle(&ctx, event(&gone), far())
            .await
            .batch_item_failures
            .is_empty()
    );
    flaky.throttle.store(true, Ordering::SeqCst);
    let throttled = [s3_message("slow", "present.log", 3)];
    let outcomes = handle_messages(&ctx, &throttled, far()).await;
    let [Outcome::Failed(why)] = &outcomes[..] else {
        panic!("{outcomes:?}");
    };
    assert!(why.contains("SlowDown"), "{why}");
    let response = handle(&ctx, event(&throttled), far()).await;
    assert_eq!(response.batch_item_failures[0].item_identifier, "slow");
    assert!(index_files(&data).await.is_empty());
    // Once S3 answers again the retry indexes it.
    flaky.throttle.store(false, Ordering::SeqCst);
    assert_eq!(
        handle_messages(&ctx, &throttled, far()).await,
        [Outcome::Indexed(1)]
    );
}

#[tokio::test]
async fn a_near_deadline_stores_what_was_read_and_retries() {
    let sources = Sources::default();
    let bucket = sources.bucket("source-logs");
    put(&bucket, "big.log", APP_LOG).await;
    let data = data();
    let ctx = context(&data, Arc::new(sources));
    // The deadline is inside the margin already: stop at the first record.
    let soon = Instant::now() + Duration::from_secs(1);
    let outcomes = handle_messages(&ctx, &[s3_message("big", "big.log", 1)], soon).await;
    let [Outcome::Failed(why)] = &outcomes[..] else {
        panic!("{outcomes:?}");
    };
    assert!(why.contains("before the deadline"), "{why}");
    let entry = Ledger::new(data.clone())
        .load("s3://source-logs/big.log")
        .await
        .unwrap();
    assert!(
        !entry.ingests[0].complete,
        "an incomplete ingest is not skipped on retry"
    );
    // The retry, with time, indexes everything.
    let outcomes = handle_messages(&ctx, &[s3_message("big", "big.log", 2)], far()).await;
    assert_eq!(outcomes, [Outcome::Indexed(1)]);
    let entry = Ledger::new(data.clone())
        .load("s3://source-logs/big.log")
        .await
        .unwrap();
    assert_eq!(entry.ingests.len(), 1);
    assert_eq!(entry.ingests[0].records, 3);
}

#[tokio::test]
async fn stale_parts_go_through_the_ledger_without_listing() {
    let sources = Sources::default();
    let bucket = sources.bucket("source-logs");
    // The budget is checked every 256 records: 600 records make three parts at a tiny budget.
    let log: String = (0..600)
        .map(|i| {
            format!(
                "{{\"time\":\"2024-01-01T05:00:{:02}Z\",\"n\":{i}}}\n",
                i % 60
            )
        })
        .collect();
    put(&bucket, "app.log", log.as_bytes()).await;
    let index = Arc::new(FlakyStore::new(Arc::new(InMemory::new())));
    let data = DataStore {
        store: index.clone(),
        prefix: "minerva".into(),
        display: "memory".into(),
    };
    let sources = Arc::new(sources);
    // A first run with a tiny memory budget writes a part at every budget check.
    let tiny = IndexerConfig {
        memory_budget_bytes: 1,
        parallelism: 1,
        ..IndexerConfig::default()
    };
    let ctx = IndexerContext::new(
        data.clone(),
        tiny,
        sources.clone(),
        3,
        Duration::from_secs(5),
    );
    let message = [s3_message("m1", "app.log", 1)];
    assert_eq!(
        handle_messages(&ctx, &message, far()).await,
        [Outcome::Indexed(1)]
    );
    let many = index_files(&data).await;
    assert!(many.len() > 2, "{many:?}");
    // Say the ingest did not finish, so the object is indexed again, now in one part.
    let ledger = Ledger::new(data.clone());
    let mut entry = ledger.load("s3://source-logs/app.log").await.unwrap();
    entry.ingests[0].complete = false;
    ledger.store(&entry).await.unwrap();
    let lists_before = index.lists.load(Ordering::SeqCst);
    let ctx = context(&data, sources);
    assert_eq!(
        handle_messages(&ctx, &message, far()).await,
        [Outcome::Indexed(1)]
    );
    assert_eq!(
        index.lists.load(Ordering::SeqCst),
        lists_before,
        "the indexer Lambda lists no hour folder"
    );
    let one = index_files(&data).await;
    assert_eq!(one.len(), 2, "the earlier parts were deleted: {one:?}");
    assert!(one.iter().all(|f| f.ends_with("-0000.parquet")), "{one:?}");
}
