//! A statement's result as a stream that survives files vanishing under it: the merger deletes
//! the inputs it has merged, and a search that listed them before may find one gone.

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::execute_stream;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use futures::stream::BoxStream;

use super::engine::{MAX_ATTEMPTS, engine_error, is_not_found, retry_delay};
use crate::backend::SearchError;

/// Runs `sql` and streams its batches. When a file vanishes under the stream, the statement is
/// run again on a fresh listing (up to [`MAX_ATTEMPTS`] runs, with a growing pause) and the
/// rows already delivered are skipped.
///
/// Exact only for a statement whose rows come in a total order, as the index lookup's do
/// (newest first, then object and record): the merged file holds the same rows, so the rerun
/// yields them in the same order.
pub(super) fn stream_batches(
    ctx: SessionContext,
    sql: String,
) -> BoxStream<'static, Result<RecordBatch, SearchError>> {
    let state = Resumable {
        ctx,
        sql,
        inner: None,
        delivered: 0,
        skip: 0,
        attempt: 1,
    };
    futures::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        match state.next_batch().await {
            Ok(Some(batch)) => Some((Ok(batch), Some(state))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    })
    .boxed()
}

/// A statement's stream that reruns the statement when a file vanishes under it (see
/// [`stream_batches`]).
struct Resumable {
    ctx: SessionContext,
    sql: String,
    inner: Option<SendableRecordBatchStream>,
    /// Rows handed out so far.
    delivered: usize,
    /// Rows of the current run still to drop: delivered by an earlier run.
    skip: usize,
    attempt: u32,
}

impl Resumable {
    async fn open(
        ctx: &SessionContext,
        sql: &str,
    ) -> Result<SendableRecordBatchStream, DataFusionError> {
        let plan = ctx.sql(sql).await?.create_physical_plan().await?;
        execute_stream(plan, ctx.task_ctx())
    }

    /// The next batch with rows not delivered before, or `None` at the end.
    async fn next_batch(&mut self) -> Result<Option<RecordBatch>, SearchError> {
        loop {
            if self.inner.is_none() {
                match Self::open(&self.ctx, &self.sql).await {
                    Ok(inner) => self.inner = Some(inner),
                    Err(e) => {
                        self.rerun_or_fail(e).await?;
                        continue;
                    }
                }
            }
            let Some(inner) = self.inner.as_mut() else {
                continue;
            };
            match inner.next().await {
                None => return Ok(None),
                Some(Ok(batch)) => {
                    let dropped = self.skip.min(batch.num_rows());
                    self.skip -= dropped;
                    if dropped < batch.num_rows() {
                        let batch = batch.slice(dropped, batch.num_rows() - dropped);
                        self.delivered += batch.num_rows();
                        return Ok(Some(batch));
                    }
                }
                Some(Err(e)) => self.rerun_or_fail(e).await?,
            }
        }
    }

    /// After a vanished file: waits, then sets up a rerun that skips the rows delivered.
    /// Any other error, or too many reruns, ends the stream with the error.
    async fn rerun_or_fail(&mut self, error: DataFusionError) -> Result<(), SearchError> {
        if self.attempt >= MAX_ATTEMPTS || !is_not_found(&error) {
            return Err(engine_error(error));
        }
        tracing::debug!(attempt = self.attempt, error = %error,
            "a file vanished during a streamed search; rerunning");
        tokio::time::sleep(retry_delay(self.attempt)).await;
        self.attempt += 1;
        self.inner = None;
        self.skip = self.delivered;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;
    use std::ops::Range;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use async_trait::async_trait;
    use bytes::Bytes;
    use datafusion::arrow::array::{AsArray, Int64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::properties::WriterProperties;
    use datafusion::prelude::{ParquetReadOptions, SessionConfig};
    use futures::TryStreamExt;
    use object_store::memory::InMemory;
    use object_store::path::Path;
    use object_store::{
        CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
        ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions,
        Result,
    };

    use super::*;

    /// A store whose `target` file is "not found" once, when armed.
    #[derive(Debug)]
    struct VanishOnce {
        inner: InMemory,
        target: Path,
        armed: AtomicBool,
    }

    impl VanishOnce {
        fn check(&self, location: &Path) -> Result<()> {
            if *location == self.target && self.armed.swap(false, Ordering::SeqCst) {
                return Err(object_store::Error::NotFound {
                    path: location.to_string(),
                    source: "merged meanwhile".into(),
                });
            }
            Ok(())
        }
    }

    impl fmt::Display for VanishOnce {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "VanishOnce")
        }
    }

    #[async_trait]
    impl ObjectStore for VanishOnce {
        async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
            self.inner.put_opts(l, p, o).await
        }
        async fn put_multipart_opts(
            &self,
            l: &Path,
            o: PutMultipartOptions,
        ) -> Result<Box<dyn MultipartUpload>> {
            self.inner.put_multipart_opts(l, o).await
        }
        async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
            self.check(l)?;
            self.inner.get_opts(l, o).await
        }
        async fn get_ranges(&self, l: &Path, r: &[Range<u64>]) -> Result<Vec<Bytes>> {
            self.check(l)?;
            self.inner.get_ranges(l, r).await
        }
        fn delete_stream(
            &self,
            l: BoxStream<'static, Result<Path>>,
        ) -> BoxStream<'static, Result<Path>> {
            self.inner.delete_stream(l)
        }
        fn list(&self, p: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
            self.inner.list(p)
        }
        async fn list_with_delimiter(&self, p: Option<&Path>) -> Result<ListResult> {
            self.inner.list_with_delimiter(p).await
        }
        async fn copy_opts(&self, f: &Path, t: &Path, o: CopyOptions) -> Result<()> {
            self.inner.copy_opts(f, t, o).await
        }
        async fn rename_opts(&self, f: &Path, t: &Path, o: RenameOptions) -> Result<()> {
            self.inner.rename_opts(f, t, o).await
        }
    }

    fn parquet(values: Range<i64>) -> Vec<u8> {
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int64Array::from_iter_values(values))],
        )
        .unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(4))
            .build();
        let mut writer = ArrowWriter::try_new(Vec::new(), schema, Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.into_inner().unwrap()
    }

    fn values(batches: &[RecordBatch]) -> Vec<i64> {
        batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect()
    }

    /// Three files of 12 rows read in order, in batches of 4 rows; the last file "vanishes"
    /// after the first rows were delivered. The stream reruns and skips what it sent: every
    /// row once, in order.
    #[tokio::test]
    async fn a_file_vanishing_mid_stream_loses_and_repeats_nothing() {
        let store = Arc::new(VanishOnce {
            inner: InMemory::new(),
            target: Path::from("t/c.parquet"),
            armed: AtomicBool::new(false),
        });
        for (name, range) in [("a", 0..12), ("b", 12..24), ("c", 24..36)] {
            let path = Path::from(format!("t/{name}.parquet"));
            store.put(&path, parquet(range).into()).await.unwrap();
        }
        let config = SessionConfig::new()
            .with_target_partitions(1)
            .with_batch_size(4);
        let ctx = SessionContext::new_with_config(config);
        let url = url::Url::parse("memory://vanish").unwrap();
        ctx.register_object_store(&url, store.clone());
        ctx.register_parquet("t", "memory://vanish/t/", ParquetReadOptions::default())
            .await
            .unwrap();

        let mut stream = stream_batches(ctx.clone(), "SELECT v FROM t".to_owned());
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(values(std::slice::from_ref(&first)), [0, 1, 2, 3]);
        store.armed.store(true, Ordering::SeqCst);
        let rest: Vec<RecordBatch> = stream.try_collect().await.unwrap();
        assert!(
            !store.armed.load(Ordering::SeqCst),
            "the vanished read happened"
        );
        let mut all = vec![first];
        all.extend(rest);
        assert_eq!(values(&all), (0..36).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn other_errors_end_the_stream() {
        let ctx = SessionContext::new();
        let mut stream = stream_batches(ctx, "SELECT v FROM missing_table".to_owned());
        assert!(matches!(stream.next().await, Some(Err(_))));
        assert!(stream.next().await.is_none());
    }
}
