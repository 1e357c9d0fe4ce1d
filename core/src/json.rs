//! A strict, iterative JSON scanner that flattens one record into dotted-path leaves.
//!
//! - Nested keys are joined with `.` (`userIdentity.accessKeyId`); a key that already holds a
//!   dot (Zeek's `id.orig_h`) is kept as it is.
//! - Array elements are reported under the array's own path (`tags=foo` matches any element).
//! - Numbers are reported as their exact source text (`1571630400`, never `1.5716304e+09`);
//!   booleans as `true`/`false`; `null` and empty strings add nothing.
//! - The scanner keeps an explicit stack, so 10,000-deep nesting cannot overflow the call
//!   stack. It rejects anything that is not one complete JSON value (RFC 8259), so a caller can
//!   fall back to indexing the line as text.
//!
//! ```
//! use minerva_core::json::{JsonFlattener, Leaf};
//! let mut leaves = Vec::new();
//! JsonFlattener::new()
//!     .flatten(br#"{"a":{"b":[1,"x"]},"ok":true,"n":null}"#, &mut |path: &str, leaf: Leaf<'_>| {
//!         leaves.push(format!("{path}={}", leaf.text()))
//!     })
//!     .unwrap();
//! assert_eq!(leaves, ["a.b=1", "a.b=x", "ok=true"]);
//! ```

use std::ops::Range;

/// A scalar value found in a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf<'a> {
    /// A non-empty string, unescaped.
    Str(&'a str),
    /// A number, exactly as written in the source.
    Number(&'a str),
    /// `true` or `false`.
    Bool(bool),
}

impl<'a> Leaf<'a> {
    /// Returns the text that is indexed for this value.
    pub fn text(&self) -> &'a str {
        match *self {
            Leaf::Str(s) | Leaf::Number(s) => s,
            Leaf::Bool(true) => "true",
            Leaf::Bool(false) => "false",
        }
    }
}

/// Why a byte string is not one JSON value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {offset}: {reason}")]
pub struct JsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was wrong.
    pub reason: &'static str,
}

/// Receives the leaves of a record, in document order.
pub trait LeafVisitor {
    /// Called for every non-null, non-empty scalar with its dotted path.
    fn leaf(&mut self, path: &str, leaf: Leaf<'_>);
}

impl<F: FnMut(&str, Leaf<'_>)> LeafVisitor for F {
    fn leaf(&mut self, path: &str, leaf: Leaf<'_>) {
        self(path, leaf)
    }
}

#[derive(Debug, Clone, Copy)]
enum Frame {
    Object { base_len: usize },
    Array,
}

/// Reusable flattener: keeps its path, stack and unescape buffers between records.
#[derive(Debug, Default)]
pub struct JsonFlattener {
    path: String,
    stack: Vec<Frame>,
    scratch: String,
    key: String,
}

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&b) = self.input.get(self.pos) {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn err(&self, reason: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            reason,
        }
    }

    fn expect_literal(&mut self, literal: &[u8]) -> Result<(), JsonError> {
        if self.input[self.pos..].starts_with(literal) {
            self.pos += literal.len();
            Ok(())
        } else {
            Err(self.err("invalid literal"))
        }
    }

    /// Scans a number starting at `pos`; returns its byte range.
    fn number(&mut self) -> Result<Range<usize>, JsonError> {
        let start = self.pos;
        let b = self.input;
        if b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(b.get(self.pos), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return Err(self.err("invalid number")),
        }
        if b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !matches!(b.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number fraction"));
            }
            while matches!(b.get(self.pos), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(b.get(self.pos), Some(b'0'..=b'9')) {
                return Err(self.err("invalid number exponent"));
            }
            while matches!(b.get(self.pos), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        Ok(start..self.pos)
    }

    /// Scans a string whose opening quote is at `pos`. Returns the raw content range when it
    /// has no escapes; otherwise unescapes into `out` and returns `None`.
    fn string(&mut self, out: &mut String) -> Result<Option<Range<usize>>, JsonError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        let b = self.input;
        loop {
            match b.get(self.pos) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    let range = start..self.pos;
                    std::str::from_utf8(&b[range.clone()])
                        .map_err(|_| self.err("invalid UTF-8 in string"))?;
                    self.pos += 1;
                    return Ok(Some(range));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => return Err(self.err("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
        // Slow path: escapes present.
        out.clear();
        out.push_str(
            std::str::from_utf8(&b[start..self.pos])
                .map_err(|_| self.err("invalid UTF-8 in string"))?,
        );
        loop {
            let run_start = self.pos;
            while let Some(&c) = b.get(self.pos) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(
                std::str::from_utf8(&b[run_start..self.pos])
                    .map_err(|_| self.err("invalid UTF-8 in string"))?,
            );
            match b.get(self.pos) {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(None);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = b
                        .get(self.pos)
                        .copied()
                        .ok_or_else(|| self.err("bad escape"))?;
                    self.pos += 1;
                    let c = match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(self.err("bad escape")),
                    };
                    out.push(c);
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .input
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.err("bad unicode escape"))?;
        let mut value = 0u32;
        for &d in digits {
            let v = (d as char)
                .to_digit(16)
                .ok_or_else(|| self.err("bad unicode escape"))?;
            value = value * 16 + v;
        }
        self.pos += 4;
        Ok(value)
    }

    /// Decodes `XXXX` after `\u` (and a following low surrogate). Lone surrogates become U+FFFD.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.input[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }
}

impl JsonFlattener {
    /// Creates a flattener.
    pub fn new() -> Self {
        Self::default()
    }

    /// Flattens `input`, which must be exactly one JSON value (surrounding whitespace allowed).
    ///
    /// On error the visitor may already have seen some leaves; callers discard them.
    pub fn flatten(
        &mut self,
        input: &[u8],
        visitor: &mut impl LeafVisitor,
    ) -> Result<(), JsonError> {
        self.path.clear();
        self.stack.clear();
        let mut cur = Cursor { input, pos: 0 };
        'value: loop {
            cur.skip_ws();
            match cur.peek() {
                Some(b'{') => {
                    cur.pos += 1;
                    self.stack.push(Frame::Object {
                        base_len: self.path.len(),
                    });
                    cur.skip_ws();
                    if cur.peek() == Some(b'}') {
                        cur.pos += 1;
                        self.stack.pop();
                    } else {
                        self.key(&mut cur)?;
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    cur.pos += 1;
                    self.stack.push(Frame::Array);
                    cur.skip_ws();
                    if cur.peek() == Some(b']') {
                        cur.pos += 1;
                        self.stack.pop();
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => match cur.string(&mut self.scratch)? {
                    Some(range) => {
                        if !range.is_empty() {
                            // Validated as UTF-8 by `string`.
                            let s = std::str::from_utf8(&input[range]).unwrap_or_default();
                            visitor.leaf(&self.path, Leaf::Str(s));
                        }
                    }
                    None => {
                        if !self.scratch.is_empty() {
                            visitor.leaf(&self.path, Leaf::Str(&self.scratch));
                        }
                    }
                },
                Some(b't') => {
                    cur.expect_literal(b"true")?;
                    visitor.leaf(&self.path, Leaf::Bool(true));
                }
                Some(b'f') => {
                    cur.expect_literal(b"false")?;
                    visitor.leaf(&self.path, Leaf::Bool(false));
                }
                Some(b'n') => cur.expect_literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => {
                    let range = cur.number()?;
                    let s = std::str::from_utf8(&input[range]).unwrap_or_default();
                    visitor.leaf(&self.path, Leaf::Number(s));
                }
                Some(_) => return Err(cur.err("expected a value")),
                None => return Err(cur.err("unexpected end of input")),
            }
            // After a complete value: close containers or move to the next element.
            loop {
                cur.skip_ws();
                match self.stack.last().copied() {
                    None => {
                        return if cur.pos == input.len() {
                            Ok(())
                        } else {
                            Err(cur.err("trailing characters after the value"))
                        };
                    }
                    Some(Frame::Object { base_len }) => match cur.peek() {
                        Some(b',') => {
                            cur.pos += 1;
                            self.path.truncate(base_len);
                            self.key(&mut cur)?;
                            continue 'value;
                        }
                        Some(b'}') => {
                            cur.pos += 1;
                            self.path.truncate(base_len);
                            self.stack.pop();
                        }
                        _ => return Err(cur.err("expected ',' or '}'")),
                    },
                    Some(Frame::Array) => match cur.peek() {
                        Some(b',') => {
                            cur.pos += 1;
                            continue 'value;
                        }
                        Some(b']') => {
                            cur.pos += 1;
                            self.stack.pop();
                        }
                        _ => return Err(cur.err("expected ',' or ']'")),
                    },
                }
            }
        }
    }

    /// Parses `"key" :` and appends the key to the path of the enclosing object.
    fn key(&mut self, cur: &mut Cursor<'_>) -> Result<(), JsonError> {
        cur.skip_ws();
        if cur.peek() != Some(b'"') {
            return Err(cur.err("expected a key"));
        }
        let key: &str = match cur.string(&mut self.key)? {
            Some(range) => std::str::from_utf8(&cur.input[range]).unwrap_or_default(),
            None => &self.key,
        };
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(key);
        cur.skip_ws();
        if cur.peek() != Some(b':') {
            return Err(cur.err("expected ':'"));
        }
        cur.pos += 1;
        Ok(())
    }
}

#[path = "json_document.rs"]
mod document;
pub use document::document_records;

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
