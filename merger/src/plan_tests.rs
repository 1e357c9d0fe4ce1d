use minerva_core::layout::Table;

use super::*;
use crate::manifest::{PartRef, group_id, marker_file_name, part_file_name};

const MB: u64 = 1 << 20;

fn limits() -> PlanLimits {
    PlanLimits {
        target_size: 512 * MB,
        max_fan_in: 64,
        read_budget: 256 * MB,
        orphan_grace_ms: 3_600_000,
    }
}

fn file(name: &str, size: u64) -> ListedFile {
    ListedFile {
        name: name.to_owned(),
        size,
        modified_ms: 0,
    }
}

fn indexer(n: u32, size: u64) -> ListedFile {
    file(&format!("{n:032x}-0000.parquet"), size)
}

/// A complete group of `inputs` with parts of `part_sizes`; returns its marker entry and parts.
fn group(inputs: &[&ListedFile], part_sizes: &[u64]) -> ((String, GroupManifest), Vec<ListedFile>) {
    let inputs: BTreeSet<InputRef> = inputs.iter().map(|f| f.input_ref()).collect();
    let id = group_id(Table::Indices, &inputs);
    let mut manifest = GroupManifest::new(Table::Indices, id.clone(), inputs);
    let mut parts = Vec::new();
    for (i, size) in part_sizes.iter().enumerate() {
        let name = part_file_name(&id, i as u32);
        manifest.parts.push(PartRef {
            name: name.clone(),
            size: *size,
            max_row_group_bytes: MB,
        });
        parts.push(file(&name, *size));
    }
    ((marker_file_name(&id), manifest), parts)
}

fn names(files: &[ListedFile]) -> Vec<&str> {
    files.iter().map(|f| f.name.as_str()).collect()
}

#[test]
fn fresh_partition_merges_every_indexer_file() {
    let data = vec![indexer(1, MB), indexer(2, MB), indexer(3, MB)];
    let plan = plan_partition(&data, &BTreeMap::new(), &limits(), 0);
    assert!(plan.deletions.is_empty());
    assert_eq!(plan.merges.len(), 1);
    assert_eq!(names(&plan.merges[0].inputs), names(&data));
}

#[test]
fn a_lone_indexer_file_is_rewritten_but_a_lone_merged_part_is_not() {
    let a = indexer(1, MB);
    let plan = plan_partition(std::slice::from_ref(&a), &BTreeMap::new(), &limits(), 0);
    assert_eq!(plan.merges.len(), 1);

    let (marker, parts) = group(&[&a], &[MB]);
    let markers = BTreeMap::from([marker]);
    // After the merge and the deletion of its input, a second run has nothing to do.
    assert!(plan_partition(&parts, &markers, &limits(), 0).is_empty());
}

#[test]
fn inputs_left_by_a_stopped_run_are_deleted_not_merged_again() {
    let (a, b) = (indexer(1, MB), indexer(2, MB));
    let ((marker_name, manifest), parts) = group(&[&a, &b], &[MB]);
    let group_id = manifest.group.clone();
    let markers = BTreeMap::from([(marker_name, manifest)]);
    let data = vec![a.clone(), b.clone(), parts[0].clone()];
    let plan = plan_partition(&data, &markers, &limits(), 0);
    assert_eq!(
        plan.deletions,
        vec![
            (a.name.clone(), DeleteReason::Covered(group_id.clone())),
            (b.name.clone(), DeleteReason::Covered(group_id)),
        ]
    );
    assert!(plan.merges.is_empty());
}

#[test]
fn a_rewritten_input_of_another_size_is_not_covered() {
    let a = indexer(1, MB);
    let (marker, parts) = group(&[&a], &[MB]);
    let markers = BTreeMap::from([marker]);
    let rewritten = indexer(1, MB + 1);
    let data = vec![rewritten.clone(), parts[0].clone()];
    let plan = plan_partition(&data, &markers, &limits(), 0);
    assert!(plan.deletions.is_empty());
    assert_eq!(
        names(&plan.merges[0].inputs),
        names(&[rewritten, parts[0].clone()])
    );
}

#[test]
fn orphan_parts_wait_for_the_grace_period_and_are_never_merged() {
    let a = indexer(1, MB);
    let (_, parts) = group(&[&a], &[MB]);
    let orphan = ListedFile {
        modified_ms: 1_000,
        ..parts[0].clone()
    };
    let data = vec![a.clone(), orphan.clone()];
    let young = plan_partition(&data, &BTreeMap::new(), &limits(), 2_000);
    assert!(young.deletions.is_empty());
    assert_eq!(names(&young.merges[0].inputs), vec![a.name.as_str()]);
    let old = plan_partition(&data, &BTreeMap::new(), &limits(), 1_000 + 3_600_000);
    assert_eq!(old.deletions, vec![(orphan.name, DeleteReason::Orphan)]);
}

#[test]
fn a_group_superseded_by_a_concurrent_larger_one_is_deleted() {
    let (a, b, c) = (indexer(1, MB), indexer(2, MB), indexer(3, MB));
    let ((small_marker, small), small_parts) = group(&[&a, &b], &[MB]);
    let ((big_marker, big), big_parts) = group(&[&a, &b, &c], &[2 * MB]);
    let big_id = big.group.clone();
    let markers = BTreeMap::from([(small_marker.clone(), small), (big_marker, big)]);
    let data = vec![small_parts[0].clone(), big_parts[0].clone()];
    let plan = plan_partition(&data, &markers, &limits(), 0);
    assert_eq!(
        plan.deletions,
        vec![
            (
                small_parts[0].name.clone(),
                DeleteReason::Superseded(big_id.clone())
            ),
            (small_marker, DeleteReason::Superseded(big_id)),
        ]
    );
    assert!(plan.merges.is_empty(), "one merged part is left");
}

#[test]
fn late_data_is_merged_with_the_small_part_but_not_with_a_full_one() {
    let (a, late) = (indexer(1, MB), indexer(9, MB));
    let (marker, parts) = group(&[&a], &[300 * MB, 10 * MB]);
    let markers = BTreeMap::from([marker]);
    let data = vec![parts[0].clone(), parts[1].clone(), late.clone()];
    let plan = plan_partition(&data, &markers, &limits(), 0);
    assert!(plan.deletions.is_empty());
    assert_eq!(plan.merges.len(), 1);
    let mut expected = vec![late.name.as_str(), parts[1].name.as_str()];
    expected.sort();
    assert_eq!(names(&plan.merges[0].inputs), expected);
}

#[test]
fn a_marker_whose_parts_were_merged_again_is_spent() {
    let a = indexer(1, MB);
    let ((first_marker, first), first_parts) = group(&[&a], &[MB]);
    let (second_marker, second_parts) = group(&[&first_parts[0]], &[MB]);
    let markers = BTreeMap::from([(first_marker.clone(), first), second_marker]);
    let plan = plan_partition(&second_parts, &markers, &limits(), 0);
    assert_eq!(
        plan.deletions,
        vec![(first_marker, DeleteReason::SpentMarker)]
    );
    assert!(plan.merges.is_empty());
}

#[test]
fn batches_respect_the_fan_in_and_the_read_budget() {
    let data: Vec<ListedFile> = (0..10).map(|i| indexer(i, MB)).collect();
    let fan_in = PlanLimits {
        max_fan_in: 4,
        ..limits()
    };
    let plan = plan_partition(&data, &BTreeMap::new(), &fan_in, 0);
    let sizes: Vec<usize> = plan.merges.iter().map(|m| m.inputs.len()).collect();
    assert_eq!(sizes, vec![4, 4, 2]);
    let budget = PlanLimits {
        read_budget: 3 * MB,
        ..limits()
    };
    let plan = plan_partition(&data, &BTreeMap::new(), &budget, 0);
    assert!(plan.merges.iter().all(|m| m.inputs.len() <= 3));
    let merged: usize = plan.merges.iter().map(|m| m.inputs.len()).sum();
    assert_eq!(merged, 10, "every file is in one batch");
}

#[test]
fn files_at_the_target_size_are_left_alone() {
    let data = vec![indexer(1, 600 * MB), indexer(2, 600 * MB)];
    assert!(plan_partition(&data, &BTreeMap::new(), &limits(), 0).is_empty());
}

#[test]
fn sketches_without_parts_are_deleted_after_the_grace_period() {
    use minerva_core::sketch::sketch_name;
    let (a, b) = (indexer(1, MB), indexer(2, MB));
    let ((_, live), parts) = group(&[&a], &[MB]);
    let ((_, gone), _) = group(&[&b], &[MB]);
    let sketch = |group: &str, modified_ms| ListedFile {
        modified_ms,
        ..file(&sketch_name(group), 32)
    };
    let grace = limits().orphan_grace_ms;
    let sketches = vec![
        sketch(&live.group, 0),
        sketch(&gone.group, 0),
        sketch(&indexer_group_less(), 0),
    ];
    let mut data = parts.clone();
    data.push(b.clone());
    // Too young: may belong to a merge whose parts this listing missed.
    assert!(spent_sketches(&data, &sketches, &limits(), grace - 1).is_empty());
    assert_eq!(
        spent_sketches(&data, &sketches, &limits(), grace),
        vec![sketch_name(&gone.group), sketch_name(&indexer_group_less())]
    );
}

/// A group id no file in the folder belongs to.
fn indexer_group_less() -> String {
    "f".repeat(32)
}
