//! The one tokenizer used for indexing and for queries.
//!
//! Rules (see `DESIGN.md`, "Tokens and fields"):
//!
//! - text is lowercased and split on runs of whitespace, ASCII control characters and
//!   `` ! , : ; [ ] { } ( ) < > = | \ * " ' / @ ? & `` and on `.`;
//! - `-`, `_`, `$`, `%`, `#`, `+`, `~` (and the other ASCII symbols not listed above) are
//!   **not** delimiters: `stratus-red-team-role`, `ADMIN$`, `user_name` are single tokens;
//! - an IPv4 address stays one token when it has real boundaries: exactly four dot-separated
//!   decimal parts of 1–3 digits, each ≤ 255, with no further numeric part glued on by a dot
//!   (`1234.5.6.78901` and `1.3.6.1.4.1` are not addresses);
//! - an IPv6 address stays one token (lowercased; a zone such as `%eth0` becomes a word of its
//!   own), and an
//!   IPv4-mapped address (`::ffff:10.0.0.1`) also yields its IPv4 token;
//! - a piece with non-ASCII text is segmented by Unicode word boundaries (UAX #29): CJK
//!   ideographs become one token per character, punctuation is dropped;
//! - tokens longer than [`MAX_TOKEN_BYTES`] are cut to that length (at a character boundary),
//!   never dropped: a query for a long value is cut the same way, so it still matches.
//!
//! ```
//! use minerva_core::tokenizer::tokenize_to_vec;
//! assert_eq!(tokenize_to_vec("tani@cookpad.com"), ["tani", "cookpad", "com"]);
//! assert_eq!(tokenize_to_vec("connect 10.1.2.3:22"), ["connect", "10.1.2.3", "22"]);
//! ```

use std::net::Ipv6Addr;

use unicode_segmentation::UnicodeSegmentation;

/// Longest token kept, in bytes; longer tokens are cut to this length.
///
/// 128 keeps SHA-512 hex digests (128 characters) whole while bounding the size of the
/// index for base64 blobs and script blocks.
pub const MAX_TOKEN_BYTES: usize = 128;

/// Lookup table: `true` for bytes that always separate tokens.
const HARD_DELIMITER: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[0x7f] = true;
    let list = b" !,;[]{}()<>=|\\*\"'/@?&";
    let mut i = 0;
    while i < list.len() {
        table[list[i] as usize] = true;
        i += 1;
    }
    table
};

/// Returns true when `b` always separates tokens (`.` and `:` are handled separately).
#[inline]
pub fn is_hard_delimiter(b: u8) -> bool {
    HARD_DELIMITER[b as usize]
}

/// Byte classes gathered while a chunk is scanned, so a plain word (the common case) is
/// emitted without scanning it again for `:`, `.`, non-ASCII bytes or upper case.
const DELIMITER: u8 = 1;
const COLON: u8 = 2;
const DOT: u8 = 4;
const NON_ASCII: u8 = 8;
const UPPER: u8 = 16;

const BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = if HARD_DELIMITER[b] {
            DELIMITER
        } else if b == b':' as usize {
            COLON
        } else if b == b'.' as usize {
            DOT
        } else if b >= 0x80 {
            NON_ASCII
        } else if b >= b'A' as usize && b <= b'Z' as usize {
            UPPER
        } else {
            0
        };
        b += 1;
    }
    table
};

/// A reusable tokenizer: holds a scratch buffer so producing tokens does not allocate.
#[derive(Debug, Default)]
pub struct Tokenizer {
    lower: String,
}

impl Tokenizer {
    /// Creates a tokenizer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `emit` with every token of `text`, in order.
    pub fn tokenize(&mut self, text: &str, emit: &mut impl FnMut(&str)) {
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            while i < bytes.len() && is_hard_delimiter(bytes[i]) {
                i += 1;
            }
            let start = i;
            let mut classes = 0u8;
            while i < bytes.len() {
                let class = BYTE_CLASS[bytes[i] as usize];
                if class == DELIMITER {
                    break;
                }
                classes |= class;
                i += 1;
            }
            if start == i {
                continue;
            }
            // Delimiters are ASCII, so `start..i` lies on character boundaries.
            let chunk = &text[start..i];
            if classes & (COLON | DOT | NON_ASCII) == 0 {
                // A plain ASCII word: what `chunk` would reach through `dotted` and `word`.
                self.emit_ascii(cap(chunk), classes & UPPER != 0, emit);
            } else {
                self.chunk(chunk, emit);
            }
        }
    }

    /// Tokenizes a chunk that contains no hard delimiter (it may contain `.` and `:`).
    fn chunk(&mut self, chunk: &str, emit: &mut impl FnMut(&str)) {
        if chunk.as_bytes().contains(&b':') {
            if self.ipv6(chunk, emit) {
                return;
            }
            for piece in chunk.split(':') {
                self.dotted(piece, emit);
            }
        } else {
            self.dotted(chunk, emit);
        }
    }

    /// Emits an IPv6 address (and its embedded IPv4 address) when `chunk` is one.
    fn ipv6(&mut self, chunk: &str, emit: &mut impl FnMut(&str)) -> bool {
        let address = match chunk.find('%') {
            Some(zone) => &chunk[..zone],
            None => chunk,
        };
        let plausible = address.len() >= 2
            && address.bytes().filter(|&b| b == b':').count() >= 2
            && address
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !plausible || address.parse::<Ipv6Addr>().is_err() {
            return false;
        }
        self.emit_word_ascii(address, emit);
        if address.contains('.')
            && let Some(tail) = address.rsplit(':').next()
        {
            emit(tail);
        }
        if let Some(zone) = chunk.find('%').map(|i| &chunk[i + 1..])
            && !zone.is_empty()
        {
            // The zone (`eth0`) stays searchable as a word of its own.
            for piece in zone.split(':') {
                self.dotted(piece, emit);
            }
        }
        true
    }

    /// Splits a piece on `.`, keeping IPv4 addresses whole.
    fn dotted(&mut self, piece: &str, emit: &mut impl FnMut(&str)) {
        if !piece.as_bytes().contains(&b'.') {
            if !piece.is_empty() {
                self.word(piece, emit);
            }
            return;
        }
        // Walk the dot-separated parts, collecting runs of consecutive octets.
        let mut run_start: Option<usize> = None; // byte offset of the run's first part
        let mut run_len = 0usize;
        let mut run_end = 0usize; // byte offset just past the run's last part
        let mut offset = 0usize;
        for part in piece.split('.') {
            let part_start = offset;
            offset += part.len() + 1;
            if is_octet(part) {
                if run_start.is_none() {
                    run_start = Some(part_start);
                    run_len = 0;
                }
                run_len += 1;
                run_end = part_start + part.len();
                continue;
            }
            if let Some(start) = run_start.take() {
                self.flush_run(&piece[start..run_end], run_len, emit);
            }
            if !part.is_empty() {
                self.word(part, emit);
            }
        }
        if let Some(start) = run_start {
            self.flush_run(&piece[start..run_end], run_len, emit);
        }
    }

    /// Emits a run of dot-separated octets: one token if it is exactly an IPv4 address.
    fn flush_run(&mut self, run: &str, parts: usize, emit: &mut impl FnMut(&str)) {
        if parts == 4 {
            emit(run);
        } else {
            for part in run.split('.') {
                emit(part);
            }
        }
    }

    /// Emits one word (no delimiters inside), lowercased and capped.
    fn word(&mut self, word: &str, emit: &mut impl FnMut(&str)) {
        if word.is_ascii() {
            self.emit_word_ascii(word, emit);
            return;
        }
        for segment in word.unicode_words() {
            // Whole-word lowercasing: context-dependent rules apply (Greek final sigma).
            self.lower = segment.to_lowercase();
            emit(cap(&self.lower));
        }
    }

    fn emit_word_ascii(&mut self, word: &str, emit: &mut impl FnMut(&str)) {
        let word = cap(word);
        let upper = word.bytes().any(|b| b.is_ascii_uppercase());
        self.emit_ascii(word, upper, emit);
    }

    /// Emits an ASCII word of at most [`MAX_TOKEN_BYTES`], lowercased when `upper` (it may
    /// hold upper case).
    #[inline]
    fn emit_ascii(&mut self, word: &str, upper: bool, emit: &mut impl FnMut(&str)) {
        if upper {
            self.lower.clear();
            self.lower.push_str(word);
            self.lower.make_ascii_lowercase();
            emit(&self.lower);
        } else {
            emit(word);
        }
    }
}

/// Returns true for 1–3 ASCII digits with a value of at most 255.
#[inline]
fn is_octet(part: &str) -> bool {
    let b = part.as_bytes();
    if b.is_empty() || b.len() > 3 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    b.iter().fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')) <= 255
}

/// Cuts `token` to at most [`MAX_TOKEN_BYTES`] bytes at a character boundary.
#[inline]
pub fn cap(token: &str) -> &str {
    if token.len() <= MAX_TOKEN_BYTES {
        return token;
    }
    let mut end = MAX_TOKEN_BYTES;
    while !token.is_char_boundary(end) {
        end -= 1;
    }
    &token[..end]
}

/// Tokenizes `text` into a vector of owned tokens (convenient for queries and tests).
pub fn tokenize_to_vec(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    Tokenizer::new().tokenize(text, &mut |t| out.push(t.to_owned()));
    out
}

#[cfg(test)]
#[path = "tokenizer_tests.rs"]
mod tests;
