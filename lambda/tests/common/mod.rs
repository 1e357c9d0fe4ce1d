//! Shared helpers of the handler tests: event fixtures, in-memory source buckets and a store
//! that answers like a throttled S3.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::SqsEvent;
use bytes::Bytes;
use futures::TryStreamExt;
use futures::stream::BoxStream;
use minerva_lambda::indexer::SourceStores;
use minerva_store::DataStore;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};

/// An SQS event from `lambda/tests/fixtures/{name}`.
pub fn fixture_event(name: &str) -> SqsEvent {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Source buckets kept in memory.
#[derive(Default)]
pub struct Sources {
    buckets: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl Sources {
    /// A new empty in-memory bucket.
    pub fn bucket(&self, name: &str) -> Arc<dyn ObjectStore> {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        self.insert(name, store.clone());
        store
    }

    /// Serves `store` as `name`.
    pub fn insert(&self, name: &str, store: Arc<dyn ObjectStore>) {
        self.buckets.lock().unwrap().insert(name.into(), store);
    }
}

impl SourceStores for Sources {
    fn open(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>, String> {
        self.buckets
            .lock()
            .unwrap()
            .get(bucket)
            .cloned()
            .ok_or_else(|| format!("no such bucket {bucket}"))
    }
}

/// Writes `bytes` at `key` (spaces and unicode kept as they are).
pub async fn put(store: &Arc<dyn ObjectStore>, key: &str, bytes: &[u8]) {
    store
        .put(&Path::parse(key).unwrap(), PutPayload::from(bytes.to_vec()))
        .await
        .unwrap();
}

/// The Parquet files of the index, sorted.
pub async fn index_files(data: &DataStore) -> Vec<String> {
    let mut files: Vec<String> = data
        .store
        .list(None)
        .map_ok(|m| m.location.to_string())
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.ends_with(".parquet"))
        .collect();
    files.sort();
    files
}

/// A store that fails every read with S3's throttling error while `throttle` is set.
pub struct FlakyStore {
    inner: Arc<dyn ObjectStore>,
    /// Answer `SlowDown` to reads.
    pub throttle: AtomicBool,
    /// LIST requests seen.
    pub lists: AtomicUsize,
}

impl FlakyStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ObjectStore>) -> Self {
        FlakyStore {
            inner,
            throttle: AtomicBool::new(false),
            lists: AtomicUsize::new(0),
        }
    }

    fn check(&self) -> Result<()> {
        if self.throttle.load(Ordering::SeqCst) {
            return Err(object_store::Error::Generic {
                store: "S3",
                source: "SlowDown: Please reduce your request rate (503)".into(),
            });
        }
        Ok(())
    }
}

impl fmt::Debug for FlakyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FlakyStore")
    }
}

impl fmt::Display for FlakyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FlakyStore({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for FlakyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.check()?;
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(&self, location: &Path, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        self.check()?;
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}
