//! Writes the merged rows of one group into parts of about the target size.
//!
//! Parts are uploaded with the object store's multipart upload, so a part becomes visible only
//! when it is complete; a run that stops mid-part leaves nothing (or an upload that S3's
//! lifecycle rule aborts). Each part's footer records the group and its inputs.

use std::collections::BTreeSet;
use std::sync::Arc;

use arrow_array::RecordBatch;
use minerva_core::layout::Table;
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use parquet::arrow::AsyncArrowWriter;

use crate::MergeConfig;
use crate::error::MergeError;
use crate::kway::table_layout;
use crate::manifest::{InputRef, PartRef, part_file_name, part_key_values};
use crate::step;

struct OpenPart {
    writer: AsyncArrowWriter<BufWriter>,
    key: Path,
    name: String,
}

/// The parts of one group being written.
pub(crate) struct PartWriter<'a> {
    store: Arc<dyn ObjectStore>,
    dir: String,
    table: Table,
    group: &'a str,
    inputs: &'a BTreeSet<InputRef>,
    config: &'a MergeConfig,
    current: Option<OpenPart>,
    done: Vec<PartRef>,
}

impl<'a> PartWriter<'a> {
    /// A writer for `group` into the partition folder `dir`.
    pub(crate) fn new(
        store: Arc<dyn ObjectStore>,
        dir: String,
        table: Table,
        group: &'a str,
        inputs: &'a BTreeSet<InputRef>,
        config: &'a MergeConfig,
    ) -> Self {
        PartWriter {
            store,
            dir,
            table,
            group,
            inputs,
            config,
            current: None,
            done: Vec::new(),
        }
    }

    fn open(&self) -> Result<OpenPart, MergeError> {
        let part = self.done.len() as u32;
        let name = part_file_name(self.group, part);
        let key = Path::from(format!("{}/{name}", self.dir));
        let extra = part_key_values(self.group, part, self.inputs);
        let properties = match self.table {
            Table::Indices => self.config.layout.indices_properties(extra),
            Table::Messages => self.config.layout.messages_properties(extra),
        };
        let sink = BufWriter::new(self.store.clone(), key.clone());
        let writer = AsyncArrowWriter::try_new(sink, table_layout(self.table).0, Some(properties))
            .map_err(|e| MergeError::parquet(&key, e))?;
        Ok(OpenPart { writer, key, name })
    }

    /// Writes a batch, closing the current part when it reaches the target size.
    pub(crate) async fn write(&mut self, batch: &RecordBatch) -> Result<(), MergeError> {
        let mut part = match self.current.take() {
            Some(part) => part,
            None => self.open()?,
        };
        part.writer
            .write(batch)
            .await
            .map_err(|e| MergeError::parquet(&part.key, e))?;
        step(self.config, &format!("part-open:{}", self.done.len()));
        if part.writer.bytes_written() as u64 >= self.config.target_size {
            self.close(part).await?;
        } else {
            self.current = Some(part);
        }
        Ok(())
    }

    async fn close(&mut self, part: OpenPart) -> Result<(), MergeError> {
        let OpenPart { writer, key, name } = part;
        let metadata = writer
            .close()
            .await
            .map_err(|e| MergeError::parquet(&key, e))?;
        // The upload is complete; reading its size back confirms the object is there.
        let head = self
            .store
            .head(&key)
            .await
            .map_err(|e| MergeError::store(&key, e))?;
        let max_row_group_bytes = metadata
            .row_groups()
            .iter()
            .map(|rg| rg.compressed_size().max(0) as u64)
            .max()
            .unwrap_or(0);
        self.done.push(PartRef {
            name,
            size: head.size,
            max_row_group_bytes,
        });
        step(
            self.config,
            &format!("part-written:{}", self.done.len() - 1),
        );
        Ok(())
    }

    /// Closes the last part; returns every part written.
    pub(crate) async fn finish(mut self) -> Result<Vec<PartRef>, MergeError> {
        if let Some(part) = self.current.take() {
            self.close(part).await?;
        }
        Ok(self.done)
    }
}
