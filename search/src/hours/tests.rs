use std::sync::Arc;

use minerva_core::layout::{Hour, Table, part_file_name, partition_dir};
use minerva_core::query::parse;
use minerva_core::sketch::{SketchBuilder, sketch_name};
use minerva_store::DataStore;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use super::*;

/// 2024-01-01T00:00:00Z.
const JAN1: i64 = 1_704_067_200_000_000;
const HOUR: i64 = 3_600_000_000;
const GROUP_A: &str = "0000000000000000000000000000000a";
const GROUP_B: &str = "0000000000000000000000000000000b";
const INDEXER_FILE: &str = "00112233445566778899aabbccddeeff-0000.parquet";

fn hour(i: i64) -> Hour {
    Hour::of_micros(JAN1 + i * HOUR)
}

async fn put(store: &dyn ObjectStore, h: i64, name: &str, bytes: Vec<u8>) {
    let key = Path::from(format!(
        "{}/{name}",
        partition_dir("pre", Table::Indices, hour(h))
    ));
    store.put(&key, PutPayload::from(bytes)).await.unwrap();
}

fn sketch(terms: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = SketchBuilder::default();
    for (field, term) in terms {
        builder.add(field.as_bytes(), term.as_bytes());
    }
    builder.finish()
}

/// Six hours: 0 empty; 1 merged, holds alice; 2 merged, holds bob; 3 an indexer file not merged
/// yet; 4 a merged part without a sketch; 5 two groups, only the second holds alice.
async fn store() -> DataStore {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let part = |g| part_file_name(g, 0);
    put(store.as_ref(), 1, &part(GROUP_A), b"x".to_vec()).await;
    put(
        store.as_ref(),
        1,
        &sketch_name(GROUP_A),
        sketch(&[("user", "alice")]),
    )
    .await;
    put(store.as_ref(), 2, &part(GROUP_A), b"x".to_vec()).await;
    put(
        store.as_ref(),
        2,
        &sketch_name(GROUP_A),
        sketch(&[("user", "bob")]),
    )
    .await;
    put(store.as_ref(), 3, INDEXER_FILE, b"x".to_vec()).await;
    put(store.as_ref(), 4, &part(GROUP_A), b"x".to_vec()).await;
    put(store.as_ref(), 5, &part(GROUP_A), b"x".to_vec()).await;
    put(
        store.as_ref(),
        5,
        &sketch_name(GROUP_A),
        sketch(&[("msg", "carol")]),
    )
    .await;
    put(store.as_ref(), 5, &part(GROUP_B), b"x".to_vec()).await;
    put(
        store.as_ref(),
        5,
        &sketch_name(GROUP_B),
        sketch(&[("msg", "alice")]),
    )
    .await;
    // A sketch whose group has no part any more is never asked.
    put(
        store.as_ref(),
        2,
        &sketch_name(GROUP_B),
        sketch(&[("user", "alice")]),
    )
    .await;
    DataStore {
        store,
        prefix: "pre".into(),
        display: "memory".into(),
    }
}

async fn prune(data: &DataStore, query: &str) -> (Option<Vec<i64>>, HourPruning) {
    prune_hours(data, query, 6).await
}

/// Prunes the range of hours `0..hours`; the kept hours as offsets from hour 0.
async fn prune_hours(data: &DataStore, query: &str, hours: i64) -> (Option<Vec<i64>>, HourPruning) {
    let request = SearchRequest::new(parse(query).unwrap(), JAN1, JAN1 + hours * HOUR);
    let (request, pruning) = prune_request(data, request).await.unwrap();
    let first = hour(0).0;
    let hours = request
        .hours
        .map(|hours| hours.iter().map(|h| h.0 - first).collect());
    (hours, pruning)
}

#[tokio::test]
async fn only_hours_that_may_hold_the_query_are_kept() {
    let data = store().await;
    let (hours, pruning) = prune(&data, "alice").await;
    assert_eq!(hours, Some(vec![1, 3, 4, 5]));
    assert_eq!(
        pruning,
        HourPruning {
            in_range: 6,
            kept: 4,
            ruled_out: 1,
            empty: 1,
            unsketched: 2,
            probes: 4,
            unasked: 0,
        }
    );
    // A field-qualified term is a different key: alice is a user in hour 1 only.
    let (hours, _) = prune(&data, "user=alice").await;
    assert_eq!(hours, Some(vec![1, 3, 4]));
    let (hours, _) = prune(&data, "alice bob").await;
    assert_eq!(hours, Some(vec![3, 4]));
    // Nothing ruled out: no hour list, the range reads the same.
    let (hours, pruning) = prune(&data, "alice OR bob").await;
    assert_eq!((hours, pruning.kept, pruning.ruled_out), (None, 5, 0));
}

#[tokio::test]
async fn queries_a_sketch_cannot_answer_read_every_hour() {
    let data = store().await;
    for query in ["ali*", "10.0.0.0/8", "ali* OR bob"] {
        let (hours, pruning) = prune(&data, query).await;
        assert_eq!(hours, None, "{query}");
        assert_eq!((pruning.in_range, pruning.probes), (6, 0), "{query}");
    }
    // Nothing ruled out by a sketch: the range alone (no hour list) reads the same.
    let (hours, pruning) = prune(&data, "alice OR bob OR carol").await;
    assert_eq!(hours, None);
    assert_eq!(pruning.kept, 5);
}

#[tokio::test]
async fn a_damaged_or_missing_sketch_keeps_its_hour() {
    let data = store().await;
    put(data.store.as_ref(), 2, &sketch_name(GROUP_A), vec![0; 33]).await;
    let (hours, pruning) = prune(&data, "alice carol").await;
    // Hour 2 is read (damaged sketch), 3 and 4 have no sketch, 5 holds both in no one group.
    assert_eq!(hours, Some(vec![2, 3, 4]));
    assert_eq!((pruning.unsketched, pruning.ruled_out), (3, 2));
}

#[tokio::test]
async fn a_long_range_lists_once_and_keeps_only_hours_with_data() {
    let data = store().await;
    // From the epoch to 2030: every hour outside 0..6 has no file.
    let request = SearchRequest::new(parse("alice").unwrap(), 0, JAN1 + 60_000 * HOUR);
    let (request, pruning) = prune_request(&data, request).await.unwrap();
    let first = hour(0).0;
    let kept: Vec<i64> = request.hours.unwrap().iter().map(|h| h.0 - first).collect();
    assert_eq!(kept, vec![1, 3, 4, 5]);
    assert_eq!((pruning.kept, pruning.ruled_out), (4, 1));
    assert_eq!(pruning.empty, pruning.in_range - 5);
    // A range that starts after the data lists nothing.
    let late = SearchRequest::new(parse("alice").unwrap(), JAN1 + 7 * HOUR, JAN1 + 9 * HOUR);
    let (late, pruning) = prune_request(&data, late).await.unwrap();
    assert_eq!((late.hours, pruning.empty), (None, 2));
}

#[tokio::test]
async fn a_query_in_every_sampled_hour_asks_no_more() {
    // 100 merged hours: `common` in all, `rare` in hour 70 only, `half` in the even hours.
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    for h in 0..100 {
        let mut terms = vec![("msg", "common")];
        if h == 70 {
            terms.push(("msg", "rare"));
        }
        if h % 2 == 0 {
            terms.push(("msg", "half"));
        }
        put(
            store.as_ref(),
            h,
            &part_file_name(GROUP_A, 0),
            b"x".to_vec(),
        )
        .await;
        put(store.as_ref(), h, &sketch_name(GROUP_A), sketch(&terms)).await;
    }
    let data = DataStore {
        store,
        prefix: "pre".into(),
        display: "memory".into(),
    };
    let (hours, pruning) = prune_hours(&data, "common", 100).await;
    assert_eq!(hours, None);
    assert_eq!(
        (pruning.probes, pruning.unasked, pruning.kept),
        (SAMPLE_HOURS as u64, 100 - SAMPLE_HOURS as u64, 100)
    );
    let (hours, pruning) = prune_hours(&data, "rare", 100).await;
    assert_eq!(hours, Some(vec![70]));
    assert_eq!(
        (pruning.probes, pruning.unasked, pruning.ruled_out),
        (100, 0, 99)
    );
    // Some sampled hours ruled out: every hour is asked.
    let (hours, pruning) = prune_hours(&data, "half", 100).await;
    assert_eq!(hours, Some((0..100).step_by(2).collect()));
    assert_eq!((pruning.probes, pruning.unasked), (100, 0));
}
