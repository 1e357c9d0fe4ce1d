use std::sync::Arc;

use object_store::memory::InMemory;

use super::*;

fn data() -> DataStore {
    DataStore {
        store: Arc::new(InMemory::new()),
        prefix: "idx".into(),
        display: "memory".into(),
    }
}

async fn put(data: &DataStore, key: &str) {
    data.store
        .put(&data.key(key), PutPayload::from_static(b"x"))
        .await
        .unwrap();
}

async fn exists(data: &DataStore, key: &str) -> bool {
    data.store.head(&data.key(key)).await.is_ok()
}

fn ingest(id: &str, files: &[&str], complete: bool) -> Ingest {
    Ingest {
        object_id: id.into(),
        version: "v".into(),
        start: 0,
        end: 10,
        first_seq: 0,
        records: 1,
        hours: vec![],
        files: files.iter().map(|f| f.to_string()).collect(),
        complete,
        indexed_at: String::new(),
    }
}

#[tokio::test]
async fn a_new_version_deletes_the_files_it_did_not_overwrite() {
    let data = data();
    let ledger = Ledger::new(data.clone());
    let old = [
        "messages/dt=2024-01-01-00/a-0000.parquet",
        "indices/dt=2024-01-01-00/a-0000.parquet",
    ];
    let new = [
        "messages/dt=2024-01-01-05/b-0000.parquet",
        "indices/dt=2024-01-01-05/b-0000.parquet",
    ];
    for f in old.iter().chain(&new) {
        put(&data, f).await;
    }
    let source = "s3://logs/app.log";
    assert!(
        ledger
            .commit(source, ingest("a", &old, true), Replace::Source, None)
            .await
            .unwrap()
            .is_empty()
    );
    let deleted = ledger
        .commit(source, ingest("b", &new, true), Replace::Source, None)
        .await
        .unwrap();
    assert_eq!(deleted, old.to_vec());
    for f in old {
        assert!(!exists(&data, f).await, "{f} should be gone");
    }
    for f in new {
        assert!(exists(&data, f).await, "{f} should stay");
    }
    let entry = ledger.load(source).await.unwrap();
    assert_eq!(entry.ingests.len(), 1);
    assert!(entry.is_indexed("b"));
    assert!(!entry.is_indexed("a"));
}

#[tokio::test]
async fn a_rewritten_file_is_kept_and_incomplete_ingests_are_not_skipped() {
    let data = data();
    let ledger = Ledger::new(data.clone());
    let f = "indices/dt=2024-01-01-00/a-0000.parquet";
    put(&data, f).await;
    ledger
        .commit("s", ingest("a", &[f], false), Replace::Source, None)
        .await
        .unwrap();
    assert!(!ledger.load("s").await.unwrap().is_indexed("a"));
    let deleted = ledger
        .commit("s", ingest("a", &[f], true), Replace::Source, None)
        .await
        .unwrap();
    assert!(deleted.is_empty());
    assert!(exists(&data, f).await);
    assert!(ledger.load("s").await.unwrap().is_indexed("a"));
}

#[tokio::test]
async fn tails_accumulate_up_to_the_cap_and_keep_their_position() {
    let ledger = Ledger::new(data());
    for i in 0..70 {
        let tail = Tail {
            file_key: 7,
            consumed: (i + 1) * 10,
            lines: (i + 1) as i64,
        };
        ledger
            .commit(
                "file:///w/app.log",
                ingest(&format!("{i:x}"), &[], true),
                Replace::SameObject,
                Some(tail),
            )
            .await
            .unwrap();
    }
    let entry = ledger.load("file:///w/app.log").await.unwrap();
    assert_eq!(entry.ingests.len(), MAX_INGESTS_PER_SOURCE);
    assert_eq!(entry.ingests.last().unwrap().object_id, format!("{:x}", 69));
    assert_eq!(
        entry.tail,
        Some(Tail {
            file_key: 7,
            consumed: 700,
            lines: 70
        })
    );
}

#[tokio::test]
async fn a_missing_or_corrupt_entry_reads_as_empty() {
    let data = data();
    let ledger = Ledger::new(data.clone());
    assert!(ledger.load("s3://b/k").await.unwrap().ingests.is_empty());
    data.store
        .put(
            &ledger.key("s3://b/k"),
            PutPayload::from_static(b"{not json"),
        )
        .await
        .unwrap();
    let entry = ledger.load("s3://b/k").await.unwrap();
    assert_eq!(entry.source, "s3://b/k");
    assert!(entry.ingests.is_empty());
}
