//! Deciding what to do with one partition of one table, from a listing alone (pure).
//!
//! The rules keep every record in at least one file at every moment, whatever runs at the same
//! time and wherever a run stops:
//!
//! 1. A group is complete when its marker exists; the marker is written after every part.
//! 2. A file listed (name and size) among the inputs of a complete group is *covered*: its rows
//!    are in that group's parts, so it is deleted. This finishes a run that stopped while
//!    deleting, and removes parts of a group that a later merge took as inputs.
//! 3. A complete group whose inputs are a strict subset of another complete group's inputs is
//!    *superseded* (two merges ran at once on different listings): its parts are deleted, then
//!    its marker.
//! 4. Parts without a marker are *orphans* of a run that stopped before committing. Their rows
//!    are still in their inputs, or in a complete group that covered those inputs, so they are
//!    deleted once older than a grace period (younger ones may belong to a merge in progress).
//! 5. A marker whose parts and inputs are all gone is deleted.
//! 6. What is left is merged: every indexer file, and merged parts smaller than half the
//!    target size (a partition that got late data). A lone merged part is left alone, so a
//!    second run right after the first does nothing.
//!
//! Inputs are merged in batches that bound the memory of one merge: at most `max_fan_in`
//! files, and at most `read_budget` bytes of row groups held at once.

use std::collections::{BTreeMap, BTreeSet};

use minerva_core::sketch::group_of_sketch;

use crate::manifest::{GroupManifest, InputRef, group_of_marker, group_of_part};

/// One object in a partition folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFile {
    /// File name (no folder).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modified, milliseconds since the epoch.
    pub modified_ms: i64,
}

impl ListedFile {
    fn input_ref(&self) -> InputRef {
        InputRef {
            name: self.name.clone(),
            size: self.size,
        }
    }
}

/// Limits that shape a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    /// Target size of a merged file, bytes.
    pub target_size: u64,
    /// Most files merged at once.
    pub max_fan_in: usize,
    /// Most bytes of input row groups held in memory at once by one merge.
    pub read_budget: u64,
    /// Age after which a part without a marker is deleted, milliseconds.
    pub orphan_grace_ms: i64,
}

/// Why a file is deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteReason {
    /// Its rows are in the parts of this complete group.
    Covered(String),
    /// Its group's inputs are all inputs of this complete group.
    Superseded(String),
    /// A part of a group that never got its marker.
    Orphan,
    /// A marker whose parts and inputs are all gone.
    SpentMarker,
}

/// One merge: its inputs, sorted by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeBatch {
    /// The files to merge.
    pub inputs: Vec<ListedFile>,
}

/// What to do with one partition of one table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Files to delete, in this order (parts before the markers that describe them).
    pub deletions: Vec<(String, DeleteReason)>,
    /// Merges to run after the deletions.
    pub merges: Vec<MergeBatch>,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.deletions.is_empty() && self.merges.is_empty()
    }
}

/// Plans one partition. `data` holds the `*.parquet` files, `markers` the parsed markers by
/// file name (damaged markers are left out by the caller, and so never trusted), `now_ms` the
/// current time.
pub fn plan_partition(
    data: &[ListedFile],
    markers: &BTreeMap<String, GroupManifest>,
    limits: &PlanLimits,
    now_ms: i64,
) -> Plan {
    let live: BTreeMap<&str, &ListedFile> = data.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut deleted: BTreeSet<String> = BTreeSet::new();
    let mut plan = Plan::default();
    fn delete(plan: &mut Plan, deleted: &mut BTreeSet<String>, name: &str, reason: DeleteReason) {
        if deleted.insert(name.to_owned()) {
            plan.deletions.push((name.to_owned(), reason));
        }
    }

    // Rule 2: covered files.
    for manifest in markers.values() {
        for input in &manifest.inputs {
            if live
                .get(input.name.as_str())
                .is_some_and(|f| f.size == input.size)
            {
                delete(
                    &mut plan,
                    &mut deleted,
                    &input.name,
                    DeleteReason::Covered(manifest.group.clone()),
                );
            }
        }
    }
    // Rule 3: superseded groups.
    for (marker_name, manifest) in markers {
        let superseded_by = markers.values().find(|other| {
            other.group != manifest.group
                && other.inputs.len() > manifest.inputs.len()
                && manifest.inputs.is_subset(&other.inputs)
        });
        if let Some(other) = superseded_by {
            for part in &manifest.parts {
                if live.contains_key(part.name.as_str()) {
                    delete(
                        &mut plan,
                        &mut deleted,
                        &part.name,
                        DeleteReason::Superseded(other.group.clone()),
                    );
                }
            }
            delete(
                &mut plan,
                &mut deleted,
                marker_name,
                DeleteReason::Superseded(other.group.clone()),
            );
        }
    }
    // Rule 4: orphan parts.
    let marked: BTreeSet<&str> = markers.keys().filter_map(|m| group_of_marker(m)).collect();
    for file in data {
        if let Some(group) = group_of_part(&file.name)
            && !marked.contains(group)
            && now_ms.saturating_sub(file.modified_ms) >= limits.orphan_grace_ms
        {
            delete(&mut plan, &mut deleted, &file.name, DeleteReason::Orphan);
        }
    }
    // Rule 5: spent markers.
    for (marker_name, manifest) in markers {
        let alive = |name: &str| live.contains_key(name) && !deleted.contains(name);
        let spent = manifest.parts.iter().all(|p| !alive(&p.name))
            && manifest.inputs.iter().all(|i| !alive(&i.name));
        if spent {
            delete(
                &mut plan,
                &mut deleted,
                marker_name,
                DeleteReason::SpentMarker,
            );
        }
    }

    // Rule 6: what to merge.
    let part_cost: BTreeMap<&str, u64> = markers
        .values()
        .flat_map(|m| m.parts.iter())
        .map(|p| (p.name.as_str(), p.max_row_group_bytes.min(p.size)))
        .collect();
    let mut candidates: Vec<(&ListedFile, u64)> = Vec::new();
    let mut has_unmerged = false;
    for file in data {
        if deleted.contains(&file.name) {
            continue;
        }
        match group_of_part(&file.name) {
            Some(group) if marked.contains(group) => {
                if file.size < limits.target_size / 2 {
                    let cost = part_cost
                        .get(file.name.as_str())
                        .copied()
                        .unwrap_or(file.size);
                    candidates.push((file, cost));
                }
            }
            // A part without a marker: an orphan, or a merge in progress.
            Some(_) => {}
            None => {
                if file.size < limits.target_size {
                    has_unmerged = true;
                    candidates.push((file, file.size));
                }
            }
        }
    }
    if candidates.len() >= 2 || has_unmerged {
        plan.merges = batches(candidates, limits);
    }
    plan
}

/// Splits `candidates` (in name order) into batches of near-equal count that respect the fan-in
/// and the read budget.
fn batches(mut candidates: Vec<(&ListedFile, u64)>, limits: &PlanLimits) -> Vec<MergeBatch> {
    candidates.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let fan_in = limits.max_fan_in.max(2);
    let total_cost: u64 = candidates.iter().map(|c| c.1).sum();
    let by_count = candidates.len().div_ceil(fan_in);
    let by_cost = usize::try_from(total_cost.div_ceil(limits.read_budget.max(1))).unwrap_or(1);
    let count = by_count.max(by_cost).max(1).min(candidates.len().max(1));
    let per_batch = candidates.len().div_ceil(count).max(1);
    let mut out: Vec<MergeBatch> = Vec::new();
    let mut current: Vec<ListedFile> = Vec::new();
    let mut current_cost = 0u64;
    for (file, cost) in candidates {
        let full = current.len() >= per_batch
            || (!current.is_empty() && current_cost + cost > limits.read_budget);
        if full {
            out.push(MergeBatch {
                inputs: std::mem::take(&mut current),
            });
            current_cost = 0;
        }
        current_cost += cost;
        current.push(file.clone());
    }
    if !current.is_empty() {
        out.push(MergeBatch { inputs: current });
    }
    // A batch of one merged part would only rewrite it.
    out.retain(|b| b.inputs.len() > 1 || group_of_part(&b.inputs[0].name).is_none());
    out
}

/// Sketches (`_s-{group}.sbbf1`, see `minerva_core::sketch`) to delete: those whose group has
/// no part left in `data` (its parts were merged again or deleted), once older than the orphan
/// grace period (a sketch is written after its parts, so a younger one may belong to a merge in
/// progress whose parts a listing missed). A sketch without parts is never read by a search,
/// so this only tidies the folder.
pub fn spent_sketches(
    data: &[ListedFile],
    sketches: &[ListedFile],
    limits: &PlanLimits,
    now_ms: i64,
) -> Vec<String> {
    let live: BTreeSet<&str> = data.iter().filter_map(|f| group_of_part(&f.name)).collect();
    sketches
        .iter()
        .filter(|s| {
            group_of_sketch(&s.name).is_some_and(|g| !live.contains(g))
                && now_ms.saturating_sub(s.modified_ms) >= limits.orphan_grace_ms
        })
        .map(|s| s.name.clone())
        .collect()
}

/// The inputs of a batch as recorded in its group.
pub fn input_refs(batch: &MergeBatch) -> BTreeSet<InputRef> {
    batch.inputs.iter().map(ListedFile::input_ref).collect()
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
