//! Indexing many objects at once: `parallelism` blocking workers take objects from a queue,
//! each writing through the injected object store.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::TryStreamExt;
use minerva_core::layout::ObjectId;
use minerva_store::DataStore;
use object_store::{ObjectStoreExt, PutPayload};
use tokio::runtime::Handle;

use crate::config::{IndexerConfig, StaleParts};
use crate::error::IndexError;
use crate::input::Input;
use crate::object::{FileSink, ObjectIndexer};
use crate::progress::Progress;
use crate::report::{IndexReport, ObjectReport};

/// A [`FileSink`] that writes into a [`DataStore`] from a blocking thread.
pub struct StoreSink {
    data: DataStore,
    handle: Handle,
    stale_parts: StaleParts,
}

impl StoreSink {
    /// Creates a sink; `handle` runs the uploads.
    pub fn new(data: DataStore, handle: Handle, stale_parts: StaleParts) -> Self {
        StoreSink {
            data,
            handle,
            stale_parts,
        }
    }
}

impl FileSink for StoreSink {
    fn put(&mut self, key: &str, bytes: Vec<u8>) -> Result<(), IndexError> {
        let path = self.data.key(key);
        self.handle
            .block_on(self.data.store.put(&path, PutPayload::from(bytes)))
            .map(|_| ())
            .map_err(|e| IndexError::Write {
                key: path.to_string(),
                message: e.to_string(),
            })
    }

    fn remove_parts_from(
        &mut self,
        dir: &str,
        object_id: &ObjectId,
        first_stale: u32,
    ) -> Result<(), IndexError> {
        if self.stale_parts == StaleParts::FromLedger {
            return Ok(());
        }
        let dir_path = self.data.key(dir);
        let fail = |e: object_store::Error| IndexError::Write {
            key: dir_path.to_string(),
            message: e.to_string(),
        };
        let listed: Vec<object_store::ObjectMeta> = self
            .handle
            .block_on(self.data.store.list(Some(&dir_path)).try_collect())
            .map_err(fail)?;
        let prefix = format!("{object_id}-");
        for meta in listed {
            let stale = meta
                .location
                .filename()
                .and_then(|name| name.strip_prefix(&prefix))
                .and_then(|rest| rest.strip_suffix(".parquet"))
                .and_then(|part| part.parse::<u32>().ok())
                .is_some_and(|part| part >= first_stale);
            if stale {
                self.handle
                    .block_on(self.data.store.delete(&meta.location))
                    .map_err(fail)?;
            }
        }
        Ok(())
    }
}

/// Indexes one input on the current (blocking) thread.
pub fn index_input(
    input: &Input,
    data: &DataStore,
    handle: &Handle,
    budget_bytes: usize,
    stale_parts: StaleParts,
    progress: &Progress,
) -> ObjectReport {
    let mut sink = StoreSink::new(data.clone(), handle.clone(), stale_parts);
    let report = match input.open(handle) {
        Ok(reader) => ObjectIndexer::run(&input.object, reader, &mut sink, progress, budget_bytes),
        Err(e) => {
            let mut report = ObjectReport::new(&input.object.uri);
            report.fail(e.to_string());
            report
        }
    };
    progress.object_done();
    report
}

/// Indexes `inputs` into `data` on `config.parallelism` long-lived worker threads (so at most
/// that many allocator heaps hold memory). Reports come back in input order; a failing object
/// does not stop the others.
pub async fn index_inputs(
    data: &DataStore,
    inputs: Vec<Input>,
    config: &IndexerConfig,
    progress: Arc<Progress>,
) -> Result<IndexReport, IndexError> {
    let started = Instant::now();
    progress.set_total(inputs.len() as u64);
    let workers = config.parallelism.max(1).min(inputs.len().max(1));
    // Each worker gets an equal share of the memory budget.
    let budget = config.memory_budget_bytes / config.parallelism.max(1);
    let total = inputs.len();
    let queue = Arc::new(Mutex::new(
        inputs.into_iter().enumerate().collect::<VecDeque<_>>(),
    ));
    let handle = Handle::current();
    let stale_parts = config.stale_parts;
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (queue, data, handle, progress) = (
                queue.clone(),
                data.clone(),
                handle.clone(),
                progress.clone(),
            );
            tokio::task::spawn_blocking(move || {
                let mut done = Vec::new();
                loop {
                    let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                    let Some((position, input)) = next else { break };
                    done.push((
                        position,
                        index_input(&input, &data, &handle, budget, stale_parts, &progress),
                    ));
                }
                done
            })
        })
        .collect();
    let mut objects: Vec<Option<ObjectReport>> = vec![None; total];
    for task in tasks {
        for (position, report) in task.await.map_err(|e| IndexError::Worker(e.to_string()))? {
            objects[position] = Some(report);
        }
    }
    let objects = objects.into_iter().flatten().collect();
    Ok(IndexReport {
        objects,
        elapsed: started.elapsed(),
    })
}
