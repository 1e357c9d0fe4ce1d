//! The merger handler on an in-memory index written by the indexer handler: on-demand hours,
//! the time budget, and a scheduled run's look-back window.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::SqsMessage;
use common::{Sources, index_files, put};
use minerva_indexer::IndexerConfig;
use minerva_lambda::indexer::{IndexerContext, Outcome, handle_messages};
use minerva_lambda::merger::{MergeRequest, handle};
use minerva_store::DataStore;
use object_store::memory::InMemory;

/// An index with three small objects in hour 2024-01-01-05 and one in 2024-01-01-06.
async fn indexed() -> DataStore {
    let data = DataStore {
        store: Arc::new(InMemory::new()),
        prefix: "minerva".into(),
        display: "memory".into(),
    };
    let sources = Sources::default();
    let bucket = sources.bucket("src");
    let mut messages = Vec::new();
    for (i, hour) in ["05", "05", "05", "06"].iter().enumerate() {
        let line = format!("{{\"time\":\"2024-01-01T{hour}:0{i}:00Z\",\"user\":\"u{i}\"}}\n");
        put(&bucket, &format!("logs/{i}.json"), line.as_bytes()).await;
        let mut message = SqsMessage::default();
        message.message_id = Some(format!("m{i}"));
        message.body = Some(
            serde_json::json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "src"}, "object": {"key": format!("logs/{i}.json")}}}]})
            .to_string(),
        );
        messages.push(message);
    }
    let ctx = IndexerContext::new(
        data.clone(),
        IndexerConfig::default(),
        Arc::new(sources),
        5,
        Duration::from_secs(5),
    );
    let outcomes =
        handle_messages(&ctx, &messages, Instant::now() + Duration::from_secs(600)).await;
    assert!(
        outcomes.iter().all(|o| *o == Outcome::Indexed(1)),
        "{outcomes:?}"
    );
    data
}

fn request(json: &str) -> MergeRequest {
    serde_json::from_str(json).unwrap()
}

async fn files_in(data: &DataStore, hour: &str) -> usize {
    index_files(data)
        .await
        .iter()
        .filter(|f| f.contains(&format!("/dt={hour}/")))
        .count()
}

#[tokio::test]
async fn an_hour_on_demand_is_merged_and_the_others_are_left() {
    let data = indexed().await;
    assert_eq!(files_in(&data, "2024-01-01-05").await, 6);
    let later = Instant::now() + Duration::from_secs(600);
    let summary = handle(&data, &request(r#"{"hour":"2024-01-01-05"}"#), 168, later)
        .await
        .unwrap();
    assert!(!summary.stopped_early);
    assert_eq!(summary.files_before, 6);
    assert_eq!(summary.files_after, 2, "one file per table");
    assert_eq!(files_in(&data, "2024-01-01-05").await, 2);
    assert_eq!(files_in(&data, "2024-01-01-06").await, 2, "not asked for");
}

#[tokio::test]
async fn a_run_out_of_time_stops_cleanly_and_the_next_one_finishes() {
    let data = indexed().await;
    let summary = handle(&data, &request(r#"{"all":true}"#), 168, Instant::now())
        .await
        .unwrap();
    assert!(summary.stopped_early);
    assert_eq!(summary.merges, 0);
    assert_eq!(files_in(&data, "2024-01-01-05").await, 6, "nothing touched");
    let later = Instant::now() + Duration::from_secs(600);
    let summary = handle(&data, &request(r#"{"all":true}"#), 168, later)
        .await
        .unwrap();
    assert!(!summary.stopped_early);
    assert_eq!(files_in(&data, "2024-01-01-05").await, 2);
    // Hour 06 held one object: its two files are already one per table.
    assert_eq!(files_in(&data, "2024-01-01-06").await, 2);
}

#[tokio::test]
async fn a_scheduled_run_merges_only_its_look_back_window() {
    let data = indexed().await;
    let later = Instant::now() + Duration::from_secs(600);
    let scheduled = request(r#"{"scheduled_time":"2026-12-04T10:07:00Z"}"#);
    let summary = handle(&data, &scheduled, 24, later).await.unwrap();
    assert_eq!(summary.partitions, 0, "2024 is outside a 24 h window");
    assert_eq!(files_in(&data, "2024-01-01-05").await, 6);
    assert!(
        handle(&data, &request(r#"{"hour":"soon"}"#), 24, later)
            .await
            .is_err()
    );
}
