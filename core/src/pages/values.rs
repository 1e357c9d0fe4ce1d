//! The Parquet value encodings minerva's own page writers need, written from values the
//! indexer holds interned and sorted or the merger receives sorted: PLAIN byte arrays
//! (dictionary pages, messages), the RLE / bit-packed hybrid (dictionary indices),
//! DELTA_BINARY_PACKED (`seq`, `timestamp`) and DELTA_BYTE_ARRAY (`term`). Each follows the
//! Parquet format specification (`Encodings.md`); the tests read the results back through the
//! `parquet` crate's decoders.

/// Appends `value` as an unsigned LEB128 varint.
fn put_uleb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Bits needed to store `value`.
pub fn bit_width(value: u64) -> u32 {
    64 - value.leading_zeros()
}

/// Appends `values` (each below `2^width`) bit-packed, least significant bit first.
fn bit_pack(out: &mut Vec<u8>, values: impl IntoIterator<Item = u64>, width: u32) {
    if width == 0 {
        return;
    }
    let mut acc: u128 = 0;
    let mut bits = 0u32;
    for value in values {
        acc |= u128::from(value) << bits;
        bits += width;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
    if bits > 0 {
        out.push(acc as u8);
    }
}

/// Appends byte strings PLAIN-encoded (a 4-byte little-endian length before each).
pub fn plain_byte_arrays<'a>(out: &mut Vec<u8>, values: impl IntoIterator<Item = &'a [u8]>) {
    for value in values {
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }
}

/// Length of the run of values equal to `values[start]`.
fn run_length(values: &[u32], start: usize) -> usize {
    let first = values[start];
    values[start..].iter().take_while(|&&v| v == first).count()
}

/// Most groups of 8 in one bit-packed run: its header then fits one byte, as other writers do.
const MAX_BIT_PACKED_GROUPS: usize = 63;

/// Appends `values` (each below `2^width`) in the RLE / bit-packed hybrid, with no length
/// prefix (the form dictionary indices take in a data page, after their bit-width byte).
/// Runs of 8 or more equal values are RLE runs; the rest is bit-packed in groups of 8, the
/// last group padded with zeros (readers take the value count from the page header).
pub fn rle_hybrid(out: &mut Vec<u8>, values: &[u32], width: u32) {
    let value_bytes = (width as usize).div_ceil(8);
    let mut i = 0;
    while i < values.len() {
        let run = run_length(values, i);
        if run >= 8 {
            put_uleb(out, (run as u64) << 1);
            out.extend_from_slice(&values[i].to_le_bytes()[..value_bytes]);
            i += run;
            continue;
        }
        let start = i;
        let mut groups = 0;
        loop {
            i += 8;
            groups += 1;
            if i >= values.len() || groups == MAX_BIT_PACKED_GROUPS || run_length(values, i) >= 8 {
                break;
            }
        }
        let end = i.min(values.len());
        put_uleb(out, ((groups as u64) << 1) | 1);
        let padding = groups * 8 - (end - start);
        bit_pack(
            out,
            values[start..end]
                .iter()
                .map(|&v| u64::from(v))
                .chain(std::iter::repeat_n(0, padding)),
            width,
        );
        i = end;
    }
}

const DELTA_BLOCK: usize = 128;
const DELTA_MINIBLOCKS: usize = 4;
const DELTA_MINIBLOCK: usize = DELTA_BLOCK / DELTA_MINIBLOCKS;

/// Appends `values` DELTA_BINARY_PACKED: blocks of 128 differences, each block stored as its
/// smallest difference and 4 bit-packed miniblocks of 32 (differences minus that smallest).
/// Sorted or slowly growing values (a term's `seq`s, prefix and suffix lengths) take a few
/// bits each. Arithmetic wraps, as the specification requires.
pub fn delta_binary_packed(out: &mut Vec<u8>, values: &[i64]) {
    put_uleb(out, DELTA_BLOCK as u64);
    put_uleb(out, DELTA_MINIBLOCKS as u64);
    put_uleb(out, values.len() as u64);
    put_uleb(out, zigzag(values.first().copied().unwrap_or(0)));
    let mut deltas = [0i64; DELTA_BLOCK];
    for start in (1..values.len()).step_by(DELTA_BLOCK) {
        let end = (start + DELTA_BLOCK).min(values.len());
        for (slot, i) in deltas.iter_mut().zip(start..end) {
            *slot = values[i].wrapping_sub(values[i - 1]);
        }
        let deltas = &deltas[..end - start];
        let min = deltas.iter().copied().min().unwrap_or(0);
        put_uleb(out, zigzag(min));
        let adjusted = |d: &i64| d.wrapping_sub(min) as u64;
        let mut widths = [0u8; DELTA_MINIBLOCKS];
        for (width, mini) in widths.iter_mut().zip(deltas.chunks(DELTA_MINIBLOCK)) {
            *width = bit_width(mini.iter().map(adjusted).max().unwrap_or(0)) as u8;
        }
        out.extend_from_slice(&widths);
        for (&width, mini) in widths.iter().zip(deltas.chunks(DELTA_MINIBLOCK)) {
            let padding = DELTA_MINIBLOCK - mini.len();
            bit_pack(
                out,
                mini.iter()
                    .map(adjusted)
                    .chain(std::iter::repeat_n(0, padding)),
                u32::from(width),
            );
        }
    }
}

/// Builds one DELTA_BYTE_ARRAY page body from (prefix length, suffix) pairs: each value is
/// the first `prefix` bytes of the value before it followed by `suffix`.
#[derive(Debug, Default)]
pub struct DeltaByteArray {
    prefixes: Vec<i64>,
    suffix_lengths: Vec<i64>,
    suffixes: Vec<u8>,
}

impl DeltaByteArray {
    /// Adds one value.
    #[inline]
    pub fn push(&mut self, prefix: usize, suffix: &[u8]) {
        self.prefixes.push(prefix as i64);
        self.suffix_lengths.push(suffix.len() as i64);
        self.suffixes.extend_from_slice(suffix);
    }

    /// Appends the encoded page body and empties the builder.
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        delta_binary_packed(out, &self.prefixes);
        delta_binary_packed(out, &self.suffix_lengths);
        out.extend_from_slice(&self.suffixes);
        self.prefixes.clear();
        self.suffix_lengths.clear();
        self.suffixes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uleb_and_zigzag_follow_the_specification() {
        let mut out = Vec::new();
        put_uleb(&mut out, 624_485);
        assert_eq!(out, [0xe5, 0x8e, 0x26]);
        assert_eq!([0, -1, 1, -2, i64::MIN].map(zigzag), [0, 1, 2, 3, u64::MAX]);
    }

    #[test]
    fn bit_packing_matches_the_specification_example() {
        // Encodings.md: the values 0..=7 packed in 3 bits.
        let mut out = Vec::new();
        bit_pack(&mut out, 0..8, 3);
        assert_eq!(out, [0b1000_1000, 0b1100_0110, 0b1111_1010]);
    }

    #[test]
    fn hybrid_uses_rle_runs_for_repeats() {
        let mut out = Vec::new();
        rle_hybrid(&mut out, &[5; 100], 3);
        // Header 100 << 1 as a varint, then the value in one byte.
        assert_eq!(out, [0xc8, 0x01, 5]);
    }
}
