//! Hour sketches: which merged `indices` files may hold a term, answered without opening them.
//!
//! When the merger writes a group of merged `indices` parts into an hour, it also writes a
//! *sketch* of the group beside them: a split-block Bloom filter (the layout Parquet uses for
//! its column Bloom filters: 32-byte blocks of eight 32-bit words, one bit set per word) over
//! every bare term and every `field\0term` of the group's rows. A search asks the sketches of
//! the hours in its range which hours may hold its query ([`may_match`]) and reads only those
//! partitions (`dt IN (…)`); each question is one 32-byte ranged read of the sketch file.
//!
//! A sketch never says "no" for a key that was inserted (no false negatives); it says "maybe"
//! for a key that was not with a probability of about 0.1 % at [`BITS_PER_KEY`]. A sketch file
//! is the raw blocks and nothing else, so a probe needs no header read: the block count is the
//! file size over [`BLOCK_BYTES`]. The format version is in the file name
//! ([`sketch_name`]); the name starts with `_`, so Athena, Hive and the embedded engine (which
//! reads only `*.parquet`) never take it for data.
//!
//! ```
//! use minerva_core::query::parse;
//! use minerva_core::sketch::{SketchBuilder, Sketch, may_match, probe_keys};
//!
//! let mut builder = SketchBuilder::default();
//! builder.add(b"src_ip", b"10.1.2.3");
//! builder.add(b"user", b"alice");
//! let bytes = builder.finish();
//! let sketch = Sketch::new(&bytes).unwrap();
//!
//! let query = parse("user=alice 10.1.2.3").unwrap();
//! let keys = probe_keys(&query);
//! assert!(may_match(&query, &|key| sketch.may_contain(key)));
//! let query = parse("user=10.1.2.3").unwrap();
//! assert!(!may_match(&query, &|key| sketch.may_contain(key)));
//! # let _ = keys;
//! ```

use crate::query::{Match, Query};

/// Bytes of one block of the filter.
pub const BLOCK_BYTES: usize = 32;

/// Filter bits per distinct key: about 0.1 % false "maybe" answers (measured on random absent
/// keys; 12 bits gave 0.57 %). On real hours a few query keys fare worse than the average,
/// because the terms every hour holds set the same bits in every hour's sketch: at 12 bits,
/// folded to the exact size, 6 planted needles over 168 generated hours read 14 hours that did
/// not hold them, against 5.6 expected.
pub const BITS_PER_KEY: usize = 16;

/// File names of sketches start with this (then the group id).
pub const SKETCH_PREFIX: &str = "_s-";

/// File names of sketches end with this: the format version.
pub const SKETCH_SUFFIX: &str = ".sbbf1";

/// The salts of the split-block Bloom filter (the same as Parquet's).
const SALT: [u32; 8] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

/// The file name of the sketch of merge group `group`.
pub fn sketch_name(group: &str) -> String {
    format!("{SKETCH_PREFIX}{group}{SKETCH_SUFFIX}")
}

/// The group id in a sketch file name, if `name` is one.
pub fn group_of_sketch(name: &str) -> Option<&str> {
    name.strip_prefix(SKETCH_PREFIX)?
        .strip_suffix(SKETCH_SUFFIX)
        .filter(|g| crate::layout::is_group_id(g))
}

/// The key of a term in any field.
pub fn term_key(term: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(term)
}

/// The key of a term in one field.
pub fn field_term_key(field: &[u8], term: &[u8]) -> u64 {
    // `field`, a NUL, `term`: on the stack when short (the merger and indexer ask this once
    // per distinct pair, millions of times).
    const STACK: usize = 256;
    let len = field.len() + 1 + term.len();
    if len <= STACK {
        let mut bytes = [0u8; STACK];
        bytes[..field.len()].copy_from_slice(field);
        bytes[field.len() + 1..len].copy_from_slice(term);
        return xxhash_rust::xxh3::xxh3_64(&bytes[..len]);
    }
    let mut bytes = Vec::with_capacity(len);
    bytes.extend_from_slice(field);
    bytes.push(0);
    bytes.extend_from_slice(term);
    xxhash_rust::xxh3::xxh3_64(&bytes)
}

/// The block that holds `key` in a filter of `blocks` blocks.
fn block_index(key: u64, blocks: usize) -> usize {
    (((key >> 32) * blocks as u64) >> 32) as usize
}

/// The bit of each word of a block that `key` sets.
fn masks(key: u64) -> [u32; 8] {
    let low = key as u32;
    SALT.map(|salt| 1u32 << (low.wrapping_mul(salt) >> 27))
}

/// The byte range of the block of a sketch file of `file_bytes` bytes that answers for `key`;
/// `None` when the size is not that of a sketch.
pub fn block_range(key: u64, file_bytes: u64) -> Option<std::ops::Range<u64>> {
    let blocks = usize::try_from(file_bytes / BLOCK_BYTES as u64).ok()?;
    if blocks == 0 || !file_bytes.is_multiple_of(BLOCK_BYTES as u64) {
        return None;
    }
    let start = (block_index(key, blocks) * BLOCK_BYTES) as u64;
    Some(start..start + BLOCK_BYTES as u64)
}

/// True when `block` (the one [`block_range`] names) may hold `key`.
pub fn block_may_contain(block: &[u8], key: u64) -> bool {
    if block.len() != BLOCK_BYTES {
        return true;
    }
    masks(key).iter().enumerate().all(|(i, mask)| {
        let word = u32::from_le_bytes(block[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
        word & mask != 0
    })
}

/// A whole sketch in memory.
#[derive(Debug, Clone, Copy)]
pub struct Sketch<'a> {
    bytes: &'a [u8],
}

impl<'a> Sketch<'a> {
    /// The sketch in `bytes`; `None` when the length is not that of a sketch.
    pub fn new(bytes: &'a [u8]) -> Option<Self> {
        block_range(0, bytes.len() as u64)?;
        Some(Sketch { bytes })
    }

    /// True when `key` may have been inserted.
    pub fn may_contain(&self, key: u64) -> bool {
        let range = block_range(key, self.bytes.len() as u64).expect("checked in new");
        block_may_contain(&self.bytes[range.start as usize..range.end as usize], key)
    }
}

/// Most blocks a sketch is built with (32 MiB): a group with more distinct keys than that holds
/// at [`BITS_PER_KEY`] gets more false "maybe" answers, never a false "no".
pub const MAX_BUILD_BLOCKS: usize = 1 << 20;

/// Blocks for `keys` keys at [`BITS_PER_KEY`].
fn blocks_for(keys: u64) -> usize {
    usize::try_from(
        keys.saturating_mul(BITS_PER_KEY as u64)
            .div_ceil(BLOCK_BYTES as u64 * 8),
    )
    .unwrap_or(usize::MAX)
    .max(1)
}

/// Builds the sketch of one group from its `(field, term)` rows, in a fixed amount of memory:
/// the filter is allocated for an upper bound of the keys (a power of two of blocks), keys are
/// inserted as they come, and [`SketchBuilder::finish`] folds it down to the keys really seen
/// (see [`fold`]). Rows sorted by term, as merged `indices` are, count each distinct key once;
/// other orders only make the sketch larger.
#[derive(Debug)]
pub struct SketchBuilder {
    words: Vec<u32>,
    keys: u64,
    last_term: Vec<u8>,
    last_field: Vec<u8>,
    started: bool,
}

impl Default for SketchBuilder {
    fn default() -> Self {
        Self::new(1 << 16)
    }
}

impl SketchBuilder {
    /// A builder for at most about `max_keys` distinct keys (e.g. twice the rows to come: a
    /// bare and a field-qualified key per row), capped at [`MAX_BUILD_BLOCKS`].
    pub fn new(max_keys: u64) -> Self {
        let blocks = blocks_for(max_keys)
            .checked_next_power_of_two()
            .unwrap_or(MAX_BUILD_BLOCKS)
            .min(MAX_BUILD_BLOCKS);
        SketchBuilder {
            words: vec![0; blocks * 8],
            keys: 0,
            last_term: Vec::new(),
            last_field: Vec::new(),
            started: false,
        }
    }

    fn insert(&mut self, key: u64) {
        let block = block_index(key, self.words.len() / 8);
        for (i, mask) in masks(key).iter().enumerate() {
            self.words[block * 8 + i] |= mask;
        }
        self.keys += 1;
    }

    /// Adds one index row.
    pub fn add(&mut self, field: &[u8], term: &[u8]) {
        let new_term = !self.started || self.last_term != term;
        if new_term {
            self.insert(term_key(term));
            self.last_term.clear();
            self.last_term.extend_from_slice(term);
            self.started = true;
        }
        if new_term || self.last_field != field {
            self.insert(field_term_key(field, term));
            self.last_field.clear();
            self.last_field.extend_from_slice(field);
        }
    }

    /// Keys inserted so far (distinct ones when the rows come sorted by term).
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// The sketch file's bytes: the filter folded to about [`BITS_PER_KEY`] per key seen.
    pub fn finish(self) -> Vec<u8> {
        let words = fold(self.words, blocks_for(self.keys));
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }
}

/// Folds a filter of `n` blocks (`words`, eight per block) down to as few blocks as keep the
/// density of `target` blocks, with no false negatives. A key's block is `⌊h·n / 2³²⌋` (`h` the
/// key's high half), so every block covers one interval of `h`, and the fold ORs each source
/// block into the target blocks its interval meets:
/// - by halving while `n` is even (block `j` of `n/2` covers exactly blocks `2j`, `2j + 1`);
///   the result has between 1 and 2 times the target's blocks;
/// - or straight to any count `m < n`: a source block meets one or two targets, and one that
///   straddles a boundary adds its other keys' bits to both, so `m` is raised to
///   `target · n / (n − target)` to keep the density. When `n` is many times the target (the
///   builder's bound counts rows, not distinct terms), this is 1.0–1.2 times the target.
///
/// The smaller of the two wins.
fn fold(words: Vec<u32>, target: usize) -> Vec<u32> {
    let n = words.len() / 8;
    let target = target.max(1);
    let mut halved = n;
    while halved.is_multiple_of(2) && halved / 2 >= target {
        halved /= 2;
    }
    let spread = if n > 2 * target {
        (target as u64 * n as u64).div_ceil((n - target) as u64) as usize
    } else {
        n
    };
    let m = spread.min(halved);
    if m < n { fold_to(&words, m) } else { words }
}

/// `words` (a filter of `n` blocks) folded into `m ≤ n` blocks: each source block is OR-ed into
/// every block of `m` whose interval of `h` meets its own.
fn fold_to(words: &[u32], m: usize) -> Vec<u32> {
    let n = (words.len() / 8) as u64;
    let mut out = vec![0u32; m * 8];
    for (i, block) in words.chunks_exact(8).enumerate() {
        // The keys of source block i have h in [⌈i·2³²/n⌉, ⌈(i+1)·2³²/n⌉).
        let lo = ((i as u64) << 32).div_ceil(n);
        let hi = ((i as u64 + 1) << 32).div_ceil(n) - 1;
        let (first, last) = ((lo * m as u64) >> 32, (hi * m as u64) >> 32);
        for j in first as usize..=last as usize {
            for (word, bits) in out[j * 8..j * 8 + 8].iter_mut().zip(block) {
                *word |= bits;
            }
        }
    }
    out
}

/// The keys of one leaf that a record matching it must hold (all of them); `None` when the
/// sketch cannot tell (prefixes, CIDR blocks).
fn leaf_keys(m: &Match) -> Option<Vec<u64>> {
    if m.cidr.is_some() {
        return None;
    }
    let whole = if m.prefix {
        &m.tokens[..m.tokens.len().saturating_sub(1)]
    } else {
        &m.tokens[..]
    };
    if whole.is_empty() {
        return None;
    }
    Some(
        whole
            .iter()
            .map(|token| match &m.field {
                Some(field) => field_term_key(field.as_bytes(), token.as_bytes()),
                None => term_key(token.as_bytes()),
            })
            .collect(),
    )
}

/// Every key [`may_match`] may ask about for `query`, each once.
pub fn probe_keys(query: &Query) -> Vec<u64> {
    fn walk(query: &Query, out: &mut Vec<u64>) {
        match query {
            Query::Match(m) => out.extend(leaf_keys(m).unwrap_or_default()),
            Query::And(children) | Query::Or(children) => {
                children.iter().for_each(|c| walk(c, out));
            }
            // A record that matches the query may or may not hold a negated clause.
            Query::Not(_) => {}
        }
    }
    let mut keys = Vec::new();
    walk(query, &mut keys);
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// False only when no record of the sketched rows can match `query`, given `present`, which
/// says whether a key may be among them. AND needs every clause, OR one; a negation, a prefix
/// and a CIDR block are always "maybe".
pub fn may_match(query: &Query, present: &dyn Fn(u64) -> bool) -> bool {
    match query {
        Query::Match(m) => leaf_keys(m).is_none_or(|keys| keys.into_iter().all(present)),
        Query::And(children) => children.iter().all(|c| may_match(c, present)),
        Query::Or(children) => children.iter().any(|c| may_match(c, present)),
        Query::Not(_) => true,
    }
}

/// True when the sketches can rule an hour out for `query` at all (some key must be present).
pub fn can_prune(query: &Query) -> bool {
    !may_match(query, &|_| false)
}

#[cfg(test)]
mod tests;
