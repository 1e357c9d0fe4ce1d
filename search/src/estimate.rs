//! Cost before running: what a search may read, from the sizes of the files of the hourly
//! partitions in its range (listings only; no file is opened).

use futures::{StreamExt, TryStreamExt};
use minerva_core::layout::{Hour, Table, join_key, partition_dir};
use minerva_store::DataStore;
use object_store::path::Path;

use crate::backend::{DOLLARS_PER_BYTE, Estimate, SearchError, SearchRequest, athena_billed_bytes};

/// Partitions listed at once.
const LIST_CONCURRENCY: usize = 16;

/// Above this many partitions in range, the table is listed once instead of per partition.
const PER_PARTITION_LISTINGS: usize = 64;

fn list_error(what: &str, error: object_store::Error) -> SearchError {
    SearchError::Engine(format!("listing {what}: {error}"))
}

/// Sizes of the data files of `table` in the hours `[first, last]`: (files, bytes,
/// partitions that hold any).
async fn table_size(
    data: &DataStore,
    table: Table,
    first: Hour,
    last: Hour,
) -> Result<(u64, u64, u64), SearchError> {
    let table_dir = Path::from(join_key(&data.prefix, table.as_str()));
    let (low, high) = (
        partition_dir(&data.prefix, table, first),
        partition_dir(&data.prefix, table, last),
    );
    // One delimited listing finds the partitions (`dt=…` folders); only those in the range
    // are listed in full.
    let partitions: Vec<Path> = data
        .store
        .list_with_delimiter(Some(&table_dir))
        .await
        .map_err(|e| list_error(table_dir.as_ref(), e))?
        .common_prefixes
        .into_iter()
        .filter(|p| (low.as_str()..=high.as_str()).contains(&p.as_ref()))
        .collect();
    if partitions.len() > PER_PARTITION_LISTINGS {
        // Many partitions: one listing of the whole table (1,000 keys per request on S3) is
        // cheaper than a request per partition.
        let files: Vec<_> = data
            .store
            .list(Some(&table_dir))
            .try_collect()
            .await
            .map_err(|e| list_error(table_dir.as_ref(), e))?;
        let mut in_range: Vec<(&str, u64)> = files
            .iter()
            .filter_map(|meta| {
                let (dir, name) = meta.location.as_ref().rsplit_once('/')?;
                let wanted = (low.as_str()..=high.as_str()).contains(&dir)
                    && name.ends_with(".parquet")
                    && !name.starts_with('_');
                wanted.then_some((dir, meta.size))
            })
            .collect();
        let bytes = in_range.iter().map(|f| f.1).sum();
        let count = in_range.len() as u64;
        in_range.sort_unstable_by_key(|f| f.0);
        in_range.dedup_by_key(|f| f.0);
        return Ok((count, bytes, in_range.len() as u64));
    }
    let sizes: Vec<(u64, u64)> = futures::stream::iter(partitions)
        .map(|dir| async move {
            let files: Vec<_> = data
                .store
                .list(Some(&dir))
                .try_collect()
                .await
                .map_err(|e| list_error(dir.as_ref(), e))?;
            let data_files = files.iter().filter(|meta| {
                meta.location
                    .filename()
                    .is_some_and(|n| n.ends_with(".parquet") && !n.starts_with('_'))
            });
            Ok::<_, SearchError>(data_files.fold((0, 0), |(n, b), m| (n + 1, b + m.size)))
        })
        .buffer_unordered(LIST_CONCURRENCY)
        .try_collect()
        .await?;
    let files = sizes.iter().map(|s| s.0).sum();
    let bytes = sizes.iter().map(|s| s.1).sum();
    let partitions = sizes.iter().filter(|s| s.0 > 0).count() as u64;
    Ok((files, bytes, partitions))
}

/// The upper bound of what `request` reads and costs with `statements` statements before its
/// first page (each scans at most the index and message files of the range).
pub async fn estimate(
    data: &DataStore,
    request: &SearchRequest,
    statements: u64,
) -> Result<Estimate, SearchError> {
    request.validate()?;
    let scope = request.scope();
    let (first, last) = (scope.first_hour(), scope.last_hour());
    let (index_files, index_bytes, partitions) =
        table_size(data, Table::Indices, first, last).await?;
    let (_, message_bytes, _) = table_size(data, Table::Messages, first, last).await?;
    // Each statement reads index files and, for the time of its matches, the key and time
    // columns of the same hours' message files: at most both tables' bytes.
    let per_statement = index_bytes + message_bytes;
    let billed = athena_billed_bytes(per_statement) * statements;
    Ok(Estimate {
        partitions,
        index_files,
        index_bytes,
        message_bytes,
        statements,
        max_scan_bytes: per_statement * statements,
        max_cost_usd: billed as f64 * DOLLARS_PER_BYTE,
    })
}
