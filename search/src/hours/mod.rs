//! Which hours of a range a search reads: the hour sketches (`minerva_core::sketch`) the
//! merger writes beside each merged group of `indices` parts rule out the hours that cannot
//! hold the query, before any SQL runs, so a 7-day or 30-day needle search lists, opens and
//! (on Athena) scans only the partitions that may hold it: `dt IN (…)` instead of the range.
//!
//! One listing of the `indices` table from the first hour of the range (`list_with_offset`:
//! on S3, pages of 1,000 keys, not a request per hour) gives each hour's files. Then, per hour:
//! - No data file: nothing to read.
//! - Any file without a sketch (an indexer file not merged yet, or a merged part whose
//!   sketch is missing): the hour is read, so freshness never depends on the merger.
//! - Otherwise every group's sketch is asked, one 32-byte ranged GET per key of the query
//!   (hours concurrently); the hour is read when any group may match.
//!
//! A long range asks a sample of [`SAMPLE_HOURS`] hours spread over it first: when none of
//! them is ruled out, the query is taken to be common and the other hours are not asked (the
//! range is read, as it would be anyway once few hours are ruled out), so a common term does
//! not pay one request per hour for nothing.
//!
//! A sketch has no false negatives, so the result is exact: a record that matches is in an
//! hour that is read. When a sketch vanishes between the listing and the GET (a merge replaced
//! it), the hour is read.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::{StreamExt, TryStreamExt};
use minerva_core::layout::{Hour, Table, group_of_part, join_key, partition_dir};
use minerva_core::query::Query;
use minerva_core::sketch::{
    block_may_contain, block_range, group_of_sketch, may_match, probe_keys,
};
use minerva_store::DataStore;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use crate::backend::{SearchError, SearchRequest};

/// Most hours in the `dt IN (…)` list; when more may hold the query, the range is read (a
/// statement stays far below Athena's 256 KB limit).
pub const MAX_HOUR_LIST: usize = 2_000;

/// Hours whose sketches are read at once.
const CONCURRENCY: usize = 32;

/// Hours asked first when more than twice as many have sketches (see the module docs).
pub const SAMPLE_HOURS: usize = 24;

/// What the sketches decided for one search.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HourPruning {
    /// Hours in the range.
    pub in_range: u64,
    /// Hours the search reads (of those with data).
    pub kept: u64,
    /// Hours with data that the sketches ruled out.
    pub ruled_out: u64,
    /// Hours with no `indices` file.
    pub empty: u64,
    /// Hours with files that have no sketch (read).
    pub unsketched: u64,
    /// Sketch blocks read (one ranged GET each).
    pub probes: u64,
    /// Hours with sketches that were not asked: the sample held the query in every hour.
    pub unasked: u64,
}

/// What one hour's folder says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Empty,
    Unsketched,
    RuledOut,
    Kept,
}

/// `request` with [`SearchRequest::hours`] set to the hours that may hold its query (left
/// `None` when the query has no key a sketch can answer, e.g. a prefix alone, when no hour was
/// ruled out, or when more than [`MAX_HOUR_LIST`] hours remain), and what was decided.
pub async fn prune_request(
    data: &DataStore,
    mut request: SearchRequest,
) -> Result<(SearchRequest, HourPruning), SearchError> {
    let scope = request.scope();
    let (first, last) = (scope.first_hour(), scope.last_hour());
    let mut pruning = HourPruning {
        in_range: (last.0 - first.0 + 1).max(0) as u64,
        ..HourPruning::default()
    };
    if !minerva_core::sketch::can_prune(&request.query) {
        pruning.kept = pruning.in_range;
        return Ok((request, pruning));
    }
    let listed = list_hours(data, first, last).await?;
    let keys = probe_keys(&request.query);
    let (store, query, keys) = (data.store.as_ref(), &request.query, keys.as_slice());
    let mut verdicts: BTreeMap<Hour, (Verdict, u64)> = BTreeMap::new();
    let mut sketched: Vec<(Hour, Vec<(u64, &Path)>)> = Vec::new();
    for (hour, objects) in &listed {
        match sketches_of(objects) {
            Ok(sketches) => sketched.push((*hour, sketches)),
            Err(verdict) => {
                verdicts.insert(*hour, (verdict, 0));
            }
        }
    }
    let (sample, rest) = split_sample(sketched);
    let sampled = ask_hours(store, sample, query, keys).await?;
    let common = !rest.is_empty() && sampled.iter().all(|(_, (v, _))| *v != Verdict::RuledOut);
    verdicts.extend(sampled);
    if common {
        pruning.unasked = rest.len() as u64;
        verdicts.extend(rest.into_iter().map(|(hour, _)| (hour, (Verdict::Kept, 0))));
    } else {
        verdicts.extend(ask_hours(store, rest, query, keys).await?);
    }
    let mut hours = Vec::new();
    for (hour, (verdict, probes)) in verdicts {
        pruning.probes += probes;
        match verdict {
            Verdict::Empty => {}
            Verdict::RuledOut => pruning.ruled_out += 1,
            Verdict::Unsketched => {
                pruning.unsketched += 1;
                hours.push(hour);
            }
            Verdict::Kept => hours.push(hour),
        }
    }
    // Hours with no file (listed or not) hold nothing.
    pruning.empty = pruning.in_range - hours.len() as u64 - pruning.ruled_out;
    if pruning.ruled_out > 0 && hours.len() <= MAX_HOUR_LIST {
        pruning.kept = hours.len() as u64;
        request.hours = Some(hours);
    } else {
        // The range is read; its empty hours cost nothing.
        pruning.kept = pruning.in_range - pruning.empty;
    }
    Ok((request, pruning))
}

/// Objects of the `indices` table in the hours `first..=last`, by hour (one listing).
async fn list_hours(
    data: &DataStore,
    first: Hour,
    last: Hour,
) -> Result<BTreeMap<Hour, Vec<ObjectMeta>>, SearchError> {
    let table = Path::from(join_key(&data.prefix, Table::Indices.as_str()));
    // Keys after `…/indices/dt=<first>` sort from the first hour's files on.
    let offset = Path::from(partition_dir(&data.prefix, Table::Indices, first));
    let mut listing = data.store.list_with_offset(Some(&table), &offset);
    let mut hours: BTreeMap<Hour, Vec<ObjectMeta>> = BTreeMap::new();
    while let Some(object) = listing.next().await {
        let object = match object {
            Ok(object) => object,
            Err(object_store::Error::NotFound { .. }) => break,
            Err(e) => return Err(storage_error(&table, e)),
        };
        let hour = object
            .location
            .parts()
            .find_map(|part| part.as_ref().strip_prefix("dt=").and_then(Hour::parse_dt));
        if let Some(hour) = hour.filter(|h| (first..=last).contains(h)) {
            hours.entry(hour).or_default().push(object);
        }
    }
    Ok(hours)
}

/// `SAMPLE_HOURS` of `hours` spread evenly over them, and the rest; no sample (all in the
/// first) when there are too few hours for one to save anything.
fn split_sample<T>(hours: Vec<T>) -> (Vec<T>, Vec<T>) {
    let n = hours.len();
    if n <= 2 * SAMPLE_HOURS {
        return (hours, Vec::new());
    }
    let (mut sample, mut rest) = (Vec::new(), Vec::new());
    let mut next = 0;
    for (i, hour) in hours.into_iter().enumerate() {
        // Positions ⌊k·n / SAMPLE_HOURS⌋ for k = 0..SAMPLE_HOURS.
        if next < SAMPLE_HOURS && i == next * n / SAMPLE_HOURS {
            sample.push(hour);
            next += 1;
        } else {
            rest.push(hour);
        }
    }
    (sample, rest)
}

/// Asks the sketches of `hours` (concurrently); returns each hour's verdict and blocks read.
async fn ask_hours(
    store: &dyn ObjectStore,
    hours: Vec<(Hour, Vec<(u64, &Path)>)>,
    query: &Query,
    keys: &[u64],
) -> Result<Vec<(Hour, (Verdict, u64))>, SearchError> {
    // The futures are made before the stream: a closure in the stream's type would make the
    // caller's future not `Send` (a higher-ranked lifetime on the borrowed query and keys).
    let asks: Vec<_> = hours
        .into_iter()
        .map(|(hour, sketches)| async move {
            let verdict = hour_verdict(store, &sketches, query, keys).await?;
            Ok::<_, SearchError>((hour, verdict))
        })
        .collect();
    futures::stream::iter(asks)
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

/// The sketch (size, path) of every group of one hour's files, or the verdict when the hour
/// has no data or a file without a sketch.
fn sketches_of(objects: &[ObjectMeta]) -> Result<Vec<(u64, &Path)>, Verdict> {
    let mut sketches: HashMap<&str, (u64, &Path)> = HashMap::new();
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    let mut has_data = false;
    for object in objects {
        let Some(name) = object.location.filename() else {
            continue;
        };
        if let Some(group) = group_of_sketch(name) {
            sketches.insert(group, (object.size, &object.location));
        } else if name.ends_with(".parquet") {
            has_data = true;
            match group_of_part(name) {
                Some(group) => {
                    groups.insert(group);
                }
                None => return Err(Verdict::Unsketched),
            }
        }
    }
    if !has_data {
        return Err(Verdict::Empty);
    }
    groups
        .into_iter()
        .map(|group| sketches.get(group).copied().ok_or(Verdict::Unsketched))
        .collect()
}

/// Asks one hour's group sketches; returns the verdict and the blocks read.
async fn hour_verdict(
    store: &dyn ObjectStore,
    sketches: &[(u64, &Path)],
    query: &Query,
    keys: &[u64],
) -> Result<(Verdict, u64), SearchError> {
    let mut probes = 0;
    for &(size, path) in sketches {
        let Some(ranges) = keys
            .iter()
            .map(|&key| block_range(key, size))
            .collect::<Option<Vec<_>>>()
        else {
            return Ok((Verdict::Unsketched, probes));
        };
        let blocks = match store.get_ranges(path, &ranges).await {
            Ok(blocks) => blocks,
            Err(object_store::Error::NotFound { .. }) => {
                return Ok((Verdict::Unsketched, probes));
            }
            Err(e) => return Err(storage_error(path, e)),
        };
        probes += ranges.len() as u64;
        let present: HashMap<u64, bool> = keys
            .iter()
            .zip(&blocks)
            .map(|(&key, block)| (key, block_may_contain(block, key)))
            .collect();
        if may_match(query, &|key| present.get(&key).copied().unwrap_or(true)) {
            return Ok((Verdict::Kept, probes));
        }
    }
    Ok((Verdict::RuledOut, probes))
}

fn storage_error(path: &Path, error: object_store::Error) -> SearchError {
    SearchError::Engine(format!("reading {path}: {error}"))
}

#[cfg(test)]
mod tests;
