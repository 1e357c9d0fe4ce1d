//! Writes the merged rows of one group into parts of about the target size.
//!
//! Parts are encoded page by page ([`crate::encode`]) and stream to the store a row group at a
//! time, through the object store's multipart upload, so a part becomes visible only when it
//! is complete; a run that stops mid-part leaves nothing (or an upload that S3's
//! lifecycle rule aborts). Each part's footer records the group and its inputs.

use std::collections::BTreeSet;
use std::sync::Arc;

use bytes::Bytes;
use minerva_core::layout::Table;
use minerva_core::pages::FileWriter;
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaData;
use tokio::io::AsyncWriteExt;

use crate::MergeConfig;
use crate::encode::MergedEncoder;
use crate::error::MergeError;
use crate::kway::table_layout;
use crate::manifest::{InputRef, PartRef, part_file_name, part_key_values};
use crate::rows::MergedRows;
use crate::step;

/// The writer of a part being written: rows are encoded a row group at a time and each row
/// group's bytes put to `sink` once encoded.
struct PartFile {
    file: FileWriter,
    encoder: MergedEncoder,
    sink: BufWriter,
}

impl PartFile {
    async fn write(&mut self, rows: &MergedRows) -> Result<(), ParquetError> {
        self.encoder.write(rows, &mut self.file)?;
        self.put().await
    }

    fn bytes_written(&self) -> usize {
        self.file.bytes_written()
    }

    /// Uploads the bytes encoded since the last call.
    async fn put(&mut self) -> Result<(), ParquetError> {
        let bytes = self.file.take_bytes()?;
        if !bytes.is_empty() {
            self.sink
                .put(Bytes::from(bytes))
                .await
                .map_err(|e| ParquetError::External(Box::new(e)))?;
        }
        Ok(())
    }

    async fn close(mut self) -> Result<ParquetMetaData, ParquetError> {
        self.encoder.finish(&mut self.file)?;
        let metadata = self.file.finish()?;
        self.put().await?;
        self.sink.shutdown().await?;
        Ok(metadata)
    }
}

struct OpenPart {
    writer: PartFile,
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
        let layout = &self.config.layout;
        let properties = match self.table {
            Table::Indices => layout.indices_properties(extra),
            Table::Messages => layout.messages_properties(extra),
        };
        let writer = FileWriter::try_new(&table_layout(self.table).0, properties)
            .and_then(|file| {
                Ok(PartFile {
                    file,
                    encoder: MergedEncoder::new(self.table, layout)?,
                    sink: BufWriter::new(self.store.clone(), key.clone()),
                })
            })
            .map_err(|e| MergeError::parquet(&key, e))?;
        Ok(OpenPart { writer, key, name })
    }

    /// Writes merged rows, closing the current part when it reaches the target size.
    pub(crate) async fn write(&mut self, rows: &MergedRows) -> Result<(), MergeError> {
        let mut part = match self.current.take() {
            Some(part) => part,
            None => self.open()?,
        };
        part.writer
            .write(rows)
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
