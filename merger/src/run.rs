//! Running merges against a data store: list, plan, delete, merge, until the plan is empty.

use std::collections::BTreeMap;
use std::time::Instant;

use futures::TryStreamExt;
use minerva_core::layout::{Hour, Table, join_key, partition_dir};
use minerva_core::schema::col;
use minerva_core::sketch::{SketchBuilder, group_of_sketch, sketch_name};
use minerva_store::DataStore;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use parquet::errors::ParquetError;

use crate::error::MergeError;
use crate::kway::KWayMerge;
use crate::manifest::{GroupManifest, group_id, group_of_marker, marker_file_name};
use crate::plan::{ListedFile, MergeBatch, PlanLimits, input_refs, plan_partition, spent_sketches};
use crate::report::{MergeReport, PartitionReport};
use crate::rows::MergedRows;
use crate::writer::PartWriter;
use crate::{MergeConfig, step};

/// Rounds of plan-and-merge per partition: a partition with more files than the fan-in is
/// merged in batches first, then the batches' outputs are merged.
const MAX_ROUNDS: usize = 8;

/// Which hours a run merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HourSelection {
    /// One hour.
    One(Hour),
    /// Every hour that has data.
    All,
    /// Every hour before this one (the current hour is still being written).
    Before(Hour),
    /// The hours from `from` (included) to `before` (excluded): a scheduled run's look-back
    /// window, which also picks up late data that landed in recent past hours.
    Between {
        /// First hour.
        from: Hour,
        /// First hour not merged.
        before: Hour,
    },
}

impl HourSelection {
    /// Every hour before the current one (UTC, by this machine's clock).
    pub fn ended() -> Self {
        HourSelection::Before(Hour::of_micros(chrono::Utc::now().timestamp_micros()))
    }
}

/// The hours that have a folder in `table`, oldest first.
pub async fn list_hours(data: &DataStore, table: Table) -> Result<Vec<Hour>, MergeError> {
    let dir = Path::from(join_key(&data.prefix, table.as_str()));
    let listing = data
        .store
        .list_with_delimiter(Some(&dir))
        .await
        .map_err(|e| MergeError::store(&dir, e))?;
    let mut hours: Vec<Hour> = listing
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename()?.strip_prefix("dt=").and_then(Hour::parse_dt))
        .collect();
    hours.sort();
    Ok(hours)
}

/// Merges the selected hours of both tables, one partition at a time (memory stays that of
/// one merge).
pub async fn merge(
    data: &DataStore,
    selection: HourSelection,
    config: &MergeConfig,
) -> Result<MergeReport, MergeError> {
    config.validate()?;
    let started = Instant::now();
    let mut report = MergeReport::default();
    for table in Table::ALL {
        let hours = match selection {
            HourSelection::One(hour) => vec![hour],
            HourSelection::All => list_hours(data, table).await?,
            HourSelection::Before(now) => {
                let mut hours = list_hours(data, table).await?;
                hours.retain(|h| *h < now);
                hours
            }
            HourSelection::Between { from, before } => {
                let mut hours = list_hours(data, table).await?;
                hours.retain(|h| *h >= from && *h < before);
                hours
            }
        };
        for hour in hours {
            if config.out_of_time() {
                report.stopped_early = true;
                break;
            }
            report
                .partitions
                .push(merge_partition(data, table, hour, config).await?);
        }
    }
    report.stopped_early |= report.partitions.iter().any(|p| p.stopped_early);
    report.set_elapsed(started.elapsed());
    Ok(report)
}

/// What a partition folder holds.
struct Listing {
    data: Vec<ListedFile>,
    sketches: Vec<ListedFile>,
    markers: BTreeMap<String, GroupManifest>,
}

/// Lists a partition folder. Markers already in `known` are not read again: a marker is
/// written once and never changed, so a name is enough to know its content.
async fn list_partition(
    data: &DataStore,
    dir: &Path,
    known: &BTreeMap<String, GroupManifest>,
) -> Result<Listing, MergeError> {
    let objects: Vec<object_store::ObjectMeta> = data
        .store
        .list(Some(dir))
        .try_collect()
        .await
        .map_err(|e| MergeError::store(dir, e))?;
    let mut listing = Listing {
        data: Vec::new(),
        sketches: Vec::new(),
        markers: BTreeMap::new(),
    };
    for object in objects {
        let Some(name) = object.location.filename().map(str::to_owned) else {
            continue;
        };
        let file = |name: String| ListedFile {
            name,
            size: object.size,
            modified_ms: object.last_modified.timestamp_millis(),
        };
        if name.ends_with(".parquet") {
            listing.data.push(file(name));
        } else if group_of_sketch(&name).is_some() {
            listing.sketches.push(file(name));
        } else if let Some(manifest) = known.get(&name) {
            listing.markers.insert(name, manifest.clone());
        } else if group_of_marker(&name).is_some() {
            let bytes = match data.store.get(&object.location).await {
                Ok(result) => result.bytes().await,
                Err(e) => Err(e),
            };
            match bytes {
                Ok(bytes) => match GroupManifest::from_json(&bytes, &name) {
                    Some(manifest) => {
                        listing.markers.insert(name, manifest);
                    }
                    None => {
                        tracing::warn!(marker = %object.location, "ignoring a damaged merge marker")
                    }
                },
                // Deleted by a concurrent run since the listing.
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(MergeError::store(&object.location, e)),
            }
        }
    }
    listing.data.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(listing)
}

async fn delete_if_present(store: &dyn ObjectStore, key: &Path) -> Result<(), MergeError> {
    match store.delete(key).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(MergeError::store(key, e)),
    }
}

/// Merges one partition of one table until there is nothing left to do.
pub async fn merge_partition(
    data: &DataStore,
    table: Table,
    hour: Hour,
    config: &MergeConfig,
) -> Result<PartitionReport, MergeError> {
    config.validate()?;
    let started = Instant::now();
    let dir_text = partition_dir(&data.prefix, table, hour);
    let dir = Path::from(dir_text.as_str());
    let limits = PlanLimits {
        target_size: config.target_size,
        max_fan_in: config.max_fan_in,
        read_budget: config.read_budget,
        orphan_grace_ms: i64::try_from(config.orphan_grace.as_millis()).unwrap_or(i64::MAX),
    };
    let mut report = PartitionReport {
        table: table.as_str().to_owned(),
        dt: hour.dt(),
        ..PartitionReport::default()
    };
    let mut listing = list_partition(data, &dir, &BTreeMap::new()).await?;
    report.files_before = listing.data.len();
    report.bytes_before = listing.data.iter().map(|f| f.size).sum();
    let mut cleanup_step = 0usize;
    for _ in 0..MAX_ROUNDS {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let plan = plan_partition(&listing.data, &listing.markers, &limits, now_ms);
        if plan.is_empty() {
            break;
        }
        for (name, reason) in &plan.deletions {
            tracing::debug!(partition = %dir, file = %name, ?reason, "deleting");
            delete_if_present(
                data.store.as_ref(),
                &Path::from(format!("{dir_text}/{name}")),
            )
            .await?;
            report.deleted += 1;
            step(config, &format!("cleanup-deleted:{cleanup_step}"));
            cleanup_step += 1;
        }
        for batch in &plan.merges {
            if config.out_of_time() {
                report.stopped_early = true;
                break;
            }
            match merge_batch(data, table, &dir_text, batch, config).await {
                Ok(manifest) => {
                    report.merges += 1;
                    report.rows_in += manifest.rows_in;
                    report.rows_out += manifest.rows_out;
                    report.deleted += manifest.inputs.len();
                }
                Err(MergeError::Conflict { key }) => {
                    tracing::info!(%key, "an input was merged by another run; skipping");
                    report.conflicts += 1;
                }
                Err(e) => return Err(e),
            }
        }
        listing = list_partition(data, &dir, &listing.markers).await?;
        if report.stopped_early {
            break;
        }
    }
    let now_ms = chrono::Utc::now().timestamp_millis();
    for name in spent_sketches(&listing.data, &listing.sketches, &limits, now_ms) {
        delete_if_present(
            data.store.as_ref(),
            &Path::from(format!("{dir_text}/{name}")),
        )
        .await?;
        report.deleted += 1;
    }
    report.files_after = listing.data.len();
    report.bytes_after = listing.data.iter().map(|f| f.size).sum();
    report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(report)
}

/// Runs one merge: parts, then the marker, then the deletion of the inputs.
async fn merge_batch(
    data: &DataStore,
    table: Table,
    dir: &str,
    batch: &MergeBatch,
    config: &MergeConfig,
) -> Result<GroupManifest, MergeError> {
    let inputs = input_refs(batch);
    let group = group_id(table, &inputs);
    step(config, "merge-start");
    let keys: Vec<(Path, u64)> = batch
        .inputs
        .iter()
        .map(|f| (Path::from(format!("{dir}/{}", f.name)), f.size))
        .collect();
    let mut merge = KWayMerge::open(data.store.clone(), table, keys.clone()).await?;
    let mut writer = PartWriter::new(
        data.store.clone(),
        dir.to_owned(),
        table,
        &group,
        &inputs,
        config,
    );
    // The hour sketch of an `indices` group: its terms, for searches to skip the hour.
    // At most a bare and a field-qualified key per row.
    let mut sketch = (table == Table::Indices)
        .then(|| SketchBuilder::new(merge.rows_expected.saturating_mul(2)));
    while let Some(rows) = merge.next_rows().await? {
        if let Some(sketch) = &mut sketch {
            add_to_sketch(sketch, &rows).map_err(|e| MergeError::parquet(Path::from(dir), e))?;
        }
        writer.write(&rows).await?;
    }
    let mut manifest = GroupManifest::new(table, group.clone(), inputs.clone());
    manifest.parts = writer.finish().await?;
    // A part deleted since it was written (by a run that took it for an orphan) must not be
    // committed: the inputs would then be deleted with rows nowhere else.
    for part in &manifest.parts {
        let key = Path::from(format!("{dir}/{}", part.name));
        data.store
            .head(&key)
            .await
            .map_err(|e| MergeError::store(&key, e))?;
    }
    manifest.rows_in = merge.rows_in;
    manifest.rows_out = merge.rows_out;
    // After the parts (a sketch never names rows that are not stored), before the marker: a
    // group committed without its sketch is only read by every search of its hour.
    if let Some(sketch) = sketch {
        let key = Path::from(format!("{dir}/{}", sketch_name(&group)));
        data.store
            .put(&key, PutPayload::from(sketch.finish()))
            .await
            .map_err(|e| MergeError::store(&key, e))?;
        step(config, "sketch-written");
    }
    let marker = Path::from(format!("{dir}/{}", marker_file_name(&group)));
    data.store
        .put(&marker, PutPayload::from(manifest.to_json()))
        .await
        .map_err(|e| MergeError::store(&marker, e))?;
    step(config, "marker-written");
    for (i, (key, _)) in keys.iter().enumerate() {
        delete_if_present(data.store.as_ref(), key).await?;
        step(config, &format!("input-deleted:{i}"));
    }
    tracing::info!(
        partition = dir,
        group = %group,
        inputs = manifest.inputs.len(),
        parts = manifest.parts.len(),
        rows_in = manifest.rows_in,
        rows_out = manifest.rows_out,
        "merged"
    );
    Ok(manifest)
}

/// Adds the `(field, term)` of every merged `indices` row to `sketch`.
fn add_to_sketch(sketch: &mut SketchBuilder, rows: &MergedRows) -> Result<(), ParquetError> {
    let (mut fields, mut terms) = (
        Vec::with_capacity(rows.len()),
        Vec::with_capacity(rows.len()),
    );
    rows.extend_text(col::FIELD, &mut fields)?;
    rows.extend_text(col::TERM, &mut terms)?;
    for (field, term) in fields.into_iter().zip(terms) {
        sketch.add(field, term);
    }
    Ok(())
}
