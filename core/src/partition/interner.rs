//! Distinct strings (terms, field names) of a partition buffer, each stored once in one arena
//! and known by a dense id; once sorted, an id is the string's rank in byte-wise order.
//!
//! The lookup table holds 4-byte ids and finds a string by its hash, comparing bytes in the
//! arena: no allocation per new string and a table small enough to stay in cache (the
//! `FxHashMap<Arc<str>, u32>` it replaced allocated every string and held 24-byte entries).

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

/// Interned strings; see the module documentation.
#[derive(Debug, Default)]
pub(super) struct Interner {
    table: HashTable<u32>,
    /// Hash of each id's string (for growing the table without hashing again).
    hashes: Vec<u64>,
    /// Every string, one after another.
    text: String,
    /// Where each id's string ends in `text` (it starts where the one before ends).
    ends: Vec<usize>,
    /// Memory charged for the strings (bytes + 64 each, a deliberate overestimate).
    bytes: usize,
}

/// The string of `id` in `text`.
#[inline]
fn slice<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
    let id = id as usize;
    let start = if id == 0 { 0 } else { ends[id - 1] };
    &text[start..ends[id]]
}

impl Interner {
    /// The id of `s`, adding it if new.
    #[inline]
    pub(super) fn intern(&mut self, s: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(s);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(&id) = self.table.find(hash, |&id| slice(text, ends, id) == s) {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("fewer than 2^32 distinct strings");
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.hashes.push(hash);
        let hashes = &self.hashes;
        self.table
            .insert_unique(hash, id, |&id| hashes[id as usize]);
        self.bytes += s.len() + 64;
        id
    }

    /// The string of `id`.
    #[inline]
    pub(super) fn get(&self, id: u32) -> &str {
        slice(&self.text, &self.ends, id)
    }

    /// Number of distinct strings.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Memory charged for the strings.
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Sorts the strings byte-wise so that an id equals its rank; returns the new id of every
    /// old id. The lookup table is dropped: no string can be added afterwards.
    pub(super) fn sort_into_ranks(&mut self) -> Vec<u32> {
        self.table = HashTable::new();
        self.hashes = Vec::new();
        // Sorted by the first 8 bytes as an integer, then by the whole string on a tie: most
        // comparisons are then of two integers in the vector, not of two strings in the arena.
        let mut order: Vec<(u64, u32)> = (0..self.ends.len() as u32)
            .map(|id| (leading_bytes(self.get(id)), id))
            .collect();
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.get(a.1).cmp(self.get(b.1))));
        let mut ranks = vec![0u32; order.len()];
        let mut text = String::with_capacity(self.text.len());
        let mut ends = Vec::with_capacity(self.ends.len());
        for (rank, &(_, id)) in order.iter().enumerate() {
            ranks[id as usize] = rank as u32;
            text.push_str(self.get(id));
            ends.push(text.len());
        }
        self.text = text;
        self.ends = ends;
        ranks
    }
}

/// The first 8 bytes of `s` as a big-endian integer, zero-padded: ordered as the strings are
/// whenever the integers differ (a zero pad sorts a prefix before its extensions).
#[inline]
fn leading_bytes(s: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = s.len().min(8);
    bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}
