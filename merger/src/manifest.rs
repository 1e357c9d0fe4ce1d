//! How a merge records itself: in every output file's Parquet key/value metadata, and in a
//! small commit marker written after the last output file.
//!
//! A merge of a set of inputs into one table of one partition is a *group*. Its id is a hash of
//! the table and the inputs (names and sizes), so running the same merge again writes the same
//! names and overwrites, rather than duplicates, a partial attempt. Each output file ("part")
//! records the group id, its part number and the inputs. When every part is durable the merger
//! writes the marker `_m-{group}.json` (inputs and parts); only a marked group makes its inputs
//! redundant. Athena and Hive skip files whose names start with `_`, and the embedded engine
//! only reads `*.parquet`, so markers are invisible to searches.

use std::collections::BTreeSet;

use minerva_core::layout::Table;
use parquet::file::metadata::KeyValue;

/// Key/value metadata key: the merge group id (32 hex digits).
pub const GROUP_KEY: &str = "minerva.merge.group";
/// Key/value metadata key: this file's part number in its group, from 0.
pub const PART_KEY: &str = "minerva.merge.part";
/// Key/value metadata key: the inputs, as a JSON array of `[name, size]`.
pub const INPUTS_KEY: &str = "minerva.merge.inputs";

pub use minerva_core::layout::{MERGED_PREFIX, group_of_part, is_group_id, part_file_name};

/// File names of commit markers start with this.
pub const MARKER_PREFIX: &str = "_m-";

/// Version of the marker format.
const MARKER_FORMAT: u32 = 1;

/// One input of a merge: a file name within the partition folder, and its size in bytes (a
/// file rewritten under the same name with other content is a different input).
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct InputRef {
    /// File name (no folder).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
}

/// One output file of a group.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartRef {
    /// File name (no folder).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Compressed bytes of its largest row group (what a later merge holds in memory for it).
    pub max_row_group_bytes: u64,
}

/// The commit marker of a group: written once every part is durable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GroupManifest {
    /// Marker format version.
    pub format: u32,
    /// Group id: 32 hex digits.
    pub group: String,
    /// The table (`indices` or `messages`).
    pub table: String,
    /// The inputs, sorted.
    pub inputs: BTreeSet<InputRef>,
    /// The parts, in order.
    pub parts: Vec<PartRef>,
    /// Rows read from the inputs.
    pub rows_in: u64,
    /// Rows written (fewer when inputs held the same rows).
    pub rows_out: u64,
}

/// The group id of a merge of `inputs` into `table`.
pub fn group_id(table: Table, inputs: &BTreeSet<InputRef>) -> String {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(table.as_str().as_bytes());
    for input in inputs {
        bytes.push(0);
        bytes.extend_from_slice(input.name.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(&input.size.to_le_bytes());
    }
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// File name of the commit marker of `group`.
pub fn marker_file_name(group: &str) -> String {
    format!("{MARKER_PREFIX}{group}.json")
}

/// The group id of a marker's file name, if it is one.
pub fn group_of_marker(name: &str) -> Option<&str> {
    let group = name.strip_prefix(MARKER_PREFIX)?.strip_suffix(".json")?;
    is_group_id(group).then_some(group)
}

/// The key/value pairs written into every part of a group.
pub fn part_key_values(group: &str, part: u32, inputs: &BTreeSet<InputRef>) -> Vec<KeyValue> {
    let inputs: Vec<(&str, u64)> = inputs.iter().map(|i| (i.name.as_str(), i.size)).collect();
    vec![
        KeyValue::new(GROUP_KEY.into(), group.to_owned()),
        KeyValue::new(PART_KEY.into(), part.to_string()),
        KeyValue::new(
            INPUTS_KEY.into(),
            serde_json::to_string(&inputs).expect("a list of pairs serializes"),
        ),
    ]
}

impl GroupManifest {
    /// A new marker.
    pub fn new(table: Table, group: String, inputs: BTreeSet<InputRef>) -> Self {
        GroupManifest {
            format: MARKER_FORMAT,
            group,
            table: table.as_str().to_owned(),
            inputs,
            parts: Vec::new(),
            rows_in: 0,
            rows_out: 0,
        }
    }

    /// The marker's bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a manifest serializes")
    }

    /// Parses a marker; `None` when it is damaged or of another format, or when its group id
    /// does not match the file name it was read from (such a marker is ignored, never trusted).
    pub fn from_json(bytes: &[u8], file_name: &str) -> Option<Self> {
        let manifest: GroupManifest = serde_json::from_slice(bytes).ok()?;
        let named = group_of_marker(file_name)?;
        let parts_ok = manifest
            .parts
            .iter()
            .all(|p| group_of_part(&p.name) == Some(named));
        (manifest.format == MARKER_FORMAT && manifest.group == named && parts_ok)
            .then_some(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(names: &[(&str, u64)]) -> BTreeSet<InputRef> {
        names
            .iter()
            .map(|(n, s)| InputRef {
                name: (*n).to_owned(),
                size: *s,
            })
            .collect()
    }

    #[test]
    fn group_ids_depend_on_table_names_and_sizes() {
        let a = inputs(&[("a.parquet", 1), ("b.parquet", 2)]);
        let id = group_id(Table::Indices, &a);
        assert_eq!(id.len(), 32);
        assert_eq!(id, group_id(Table::Indices, &a.clone()));
        assert_ne!(id, group_id(Table::Messages, &a));
        assert_ne!(
            id,
            group_id(
                Table::Indices,
                &inputs(&[("a.parquet", 1), ("b.parquet", 3)])
            )
        );
        assert_ne!(
            id,
            group_id(
                Table::Indices,
                &inputs(&[("a.parquet", 1), ("c.parquet", 2)])
            )
        );
    }

    #[test]
    fn markers_round_trip_and_damage_is_ignored() {
        let group = "0123456789abcdef0123456789abcdef".to_owned();
        let mut manifest = GroupManifest::new(
            Table::Indices,
            group.clone(),
            inputs(&[("x\"y.parquet", 10), ("z.parquet", 20)]),
        );
        manifest.parts.push(PartRef {
            name: part_file_name(&group, 0),
            size: 5,
            max_row_group_bytes: 3,
        });
        let name = marker_file_name(&group);
        assert_eq!(name, "_m-0123456789abcdef0123456789abcdef.json");
        let bytes = manifest.to_json();
        assert_eq!(
            GroupManifest::from_json(&bytes, &name),
            Some(manifest.clone())
        );
        // Read under another group's name, or cut short: not trusted.
        let other = marker_file_name("ffffffffffffffffffffffffffffffff");
        assert_eq!(GroupManifest::from_json(&bytes, &other), None);
        assert_eq!(
            GroupManifest::from_json(&bytes[..bytes.len() / 2], &name),
            None
        );
        // A part that belongs to another group: not trusted.
        manifest.parts[0].name = part_file_name("ffffffffffffffffffffffffffffffff", 0);
        assert_eq!(GroupManifest::from_json(&manifest.to_json(), &name), None);
    }

    #[test]
    fn names_parse_back() {
        let group = "0123456789abcdef0123456789abcdef";
        assert_eq!(group_of_part(&part_file_name(group, 3)), Some(group));
        assert_eq!(group_of_marker(&marker_file_name(group)), Some(group));
        assert_eq!(
            group_of_part("0123456789abcdef0123456789abcdef-0003.parquet"),
            None
        );
        assert_eq!(
            group_of_part("m-0123456789ABCDEF0123456789abcdef-0003.parquet"),
            None
        );
        assert_eq!(
            group_of_part("m-0123456789abcdef0123456789abcdef-3.parquet"),
            None
        );
        assert_eq!(group_of_marker("_m-../x.json"), None);
        let kv = part_key_values(group, 1, &inputs(&[("a", 1)]));
        assert_eq!(kv[2].value.as_deref(), Some("[[\"a\",1]]"));
    }
}
