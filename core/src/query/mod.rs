//! The query language: one hand-written lexer and recursive-descent parser that turn the search
//! box text into a typed, normalised [`Query`] AST (see `DESIGN.md`, "Query language").
//!
//! Syntax:
//!
//! - `admin`, `10.1.2.3` — a word; it is cut into tokens by [`crate::tokenizer`] (the same
//!   tokenizer as indexing). One token is a term; several (`tani@cookpad.com`,
//!   `C:\Windows\cmd.exe`) are a phrase: tokens adjacent and in order.
//! - `a b` and `a AND b`; `a OR b`; `NOT a` and `-a`; parentheses. Precedence: NOT > AND > OR.
//!   Operators are recognised in upper case only: a lowercase `or` is a word.
//! - `"two words"` — a phrase; `\"` and `\\` are the only escapes inside quotes (any other
//!   backslash is kept, so `"C:\Windows"` works).
//! - `field=value`, `field:value`, `field="two words"` — tokens in one field (a dotted path,
//!   kept case-sensitive). `:` is a field separator only when the word does not look like an
//!   IPv6 address, a time, an `IPv4:port`, a URL or a Windows path (see [`parse`]).
//! - `10.1.0.0/16`, `srcaddr=192.168.0.0/24` — an IPv4 CIDR block: the IPv4 address tokens
//!   inside it, looked up as ranges of the sorted terms (see [`Cidr`]). Quoted
//!   (`"10.1.0.0/16"`) it is the phrase `10.1.0.0 16` as written in a log.
//! - `adm*`, `user=adm*`, `"failed pass"*` — the last token is a prefix. A `*` anywhere else in a
//!   bare word is an error (no infix or suffix wildcards); inside quotes it is plain text.
//!
//! Limits: [`MAX_QUERY_BYTES`], [`MAX_CLAUSES`] and [`MAX_DEPTH`]. A query that has no positive
//! clause (`NOT a`, `-a -b`, `a OR -b`) is rejected: an inverted index cannot answer it alone.
//!
//! ```
//! use minerva_core::query::{Match, Query, parse};
//!
//! let q = parse(r#"user=alice "failed password" -root"#).unwrap();
//! assert_eq!(
//!     q,
//!     Query::And(vec![
//!         Query::Match(Match::field("user", ["alice"])),
//!         Query::Match(Match::any(["failed", "password"])),
//!         Query::Not(Box::new(Query::Match(Match::any(["root"])))),
//!     ])
//! );
//! // The canonical text parses back to the same AST.
//! assert_eq!(q.to_string(), r#"user=alice AND "failed password" AND NOT root"#);
//! assert_eq!(parse(&q.to_string()).unwrap(), q);
//!
//! let err = parse("(admin OR root").unwrap_err();
//! assert_eq!(err.to_string(), "unclosed '(' at byte 0");
//! ```

mod cidr;
mod display;
mod lexer;
mod parser;
mod word;

#[cfg(test)]
mod error_tests;
#[cfg(test)]
mod prop_tests;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use cidr::{Cidr, CidrError, CidrLookup};

/// Longest query accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 4096;

/// Most leaf clauses (words, phrases, field matches) in one query.
pub const MAX_CLAUSES: usize = 64;

/// Deepest nesting of parentheses and negations in one query.
pub const MAX_DEPTH: usize = 32;

/// A parsed, normalised query.
///
/// [`parse`] returns it normalised: no `And` inside an `And` nor `Or` inside an `Or`, no
/// `And`/`Or` with fewer than two children, no `Not` directly inside a `Not`. The constructors
/// [`Query::and`], [`Query::or`] and [`Query::negate`] keep that shape; a value built by hand or
/// deserialized may not have it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// Records containing the tokens of one word, phrase or field value.
    Match(Match),
    /// Records matching every child.
    And(Vec<Query>),
    /// Records matching at least one child.
    Or(Vec<Query>),
    /// Records not matching the child.
    Not(Box<Query>),
}

/// One leaf of a query: a term, a phrase or a prefix, in any field or in one field.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Match {
    /// The field (dotted JSON path, as written) or `None` for any field.
    pub field: Option<String>,
    /// Normalised tokens, as the tokenizer emits them (lowercased, capped). Never empty after
    /// [`parse`]. One token is a term; several are a phrase (adjacent and in order).
    pub tokens: Vec<String>,
    /// The last token is a prefix (`adm*` gives tokens `["adm"]` with `prefix` true).
    pub prefix: bool,
    /// An IPv4 block (`10.1.0.0/16`): the match is the address tokens inside it, and `tokens`
    /// holds the block's canonical text alone (which no real token equals: `/` separates
    /// tokens). See [`Cidr`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Cidr>,
}

impl Match {
    /// A term or phrase in any field, without prefix.
    pub fn any<S: Into<String>>(tokens: impl IntoIterator<Item = S>) -> Self {
        Self {
            field: None,
            tokens: tokens.into_iter().map(Into::into).collect(),
            prefix: false,
            cidr: None,
        }
    }

    /// The address tokens inside `block`, in `field` or (when `None`) in any field.
    pub fn cidr(field: Option<String>, block: Cidr) -> Self {
        Self {
            field,
            tokens: vec![block.to_string()],
            prefix: false,
            cidr: Some(block),
        }
    }

    /// A term or phrase in the field `field`, without prefix.
    pub fn field<S: Into<String>>(
        field: impl Into<String>,
        tokens: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::any(tokens)
        }
    }

    /// The same match with its last token as a prefix.
    pub fn with_prefix(self) -> Self {
        Self {
            prefix: true,
            ..self
        }
    }

    /// True when the match has several tokens that must be adjacent and in order.
    pub fn is_phrase(&self) -> bool {
        self.tokens.len() > 1 && self.cidr.is_none()
    }
}

impl Query {
    /// Conjunction of `children`: nested `And`s are flattened and a single child is returned
    /// as is. An empty list gives `And([])` (which matches everything and is negative-only).
    pub fn and(children: impl IntoIterator<Item = Query>) -> Query {
        Self::combine(children, true)
    }

    /// Disjunction of `children`: nested `Or`s are flattened and a single child is returned
    /// as is. An empty list gives `Or([])` (which matches nothing).
    pub fn or(children: impl IntoIterator<Item = Query>) -> Query {
        Self::combine(children, false)
    }

    fn combine(children: impl IntoIterator<Item = Query>, is_and: bool) -> Query {
        let mut out = Vec::new();
        for child in children {
            match child {
                Query::And(inner) if is_and => out.extend(inner),
                Query::Or(inner) if !is_and => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            return out.pop().expect("one child");
        }
        if is_and {
            Query::And(out)
        } else {
            Query::Or(out)
        }
    }

    /// Negation of `self`; `NOT NOT a` gives `a`.
    pub fn negate(self) -> Query {
        match self {
            Query::Not(inner) => *inner,
            other => Query::Not(Box::new(other)),
        }
    }

    /// Every leaf of the query, left to right.
    pub fn leaves(&self) -> impl Iterator<Item = &Match> {
        Leaves { stack: vec![self] }
    }

    /// The leaves not under a NOT, left to right: what a hit contains (for highlighting).
    pub fn positive_leaves(&self) -> Vec<&Match> {
        fn walk<'a>(query: &'a Query, out: &mut Vec<&'a Match>) {
            match query {
                Query::Match(m) => out.push(m),
                Query::And(children) | Query::Or(children) => {
                    children.iter().for_each(|c| walk(c, out));
                }
                Query::Not(_) => {}
            }
        }
        let mut out = Vec::new();
        walk(self, &mut out);
        out
    }

    /// True when the query cannot be answered from the records that contain its positive
    /// clauses alone, because it needs "every record" as a starting set: a negation (`NOT a`),
    /// an `And` whose children are all like that (`-a -b`), or an `Or` with any branch like
    /// that (`a OR -b`). [`parse`] rejects such queries.
    pub fn is_negative_only(&self) -> bool {
        match self {
            Query::Match(_) => false,
            Query::Not(_) => true,
            Query::And(children) => children.iter().all(Query::is_negative_only),
            Query::Or(children) => children.iter().any(Query::is_negative_only),
        }
    }
}

/// Depth-first, left-to-right iterator over the leaves of a query.
struct Leaves<'a> {
    stack: Vec<&'a Query>,
}

impl<'a> Iterator for Leaves<'a> {
    type Item = &'a Match;

    fn next(&mut self) -> Option<&'a Match> {
        while let Some(query) = self.stack.pop() {
            match query {
                Query::Match(m) => return Some(m),
                Query::And(children) | Query::Or(children) => {
                    self.stack.extend(children.iter().rev());
                }
                Query::Not(inner) => self.stack.push(inner),
            }
        }
        None
    }
}

/// A query that cannot be parsed: what is wrong and where.
///
/// Displayed as `"{message} at byte {position}"`, e.g. `unbalanced ')' at byte 7`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} at byte {position}")]
pub struct QueryError {
    /// What is wrong, e.g. `expected a clause after OR`.
    pub message: String,
    /// Byte offset in the query text where the problem is.
    pub position: usize,
}

impl QueryError {
    pub(crate) fn new(message: impl Into<String>, position: usize) -> Self {
        Self {
            message: message.into(),
            position,
        }
    }
}

/// Parses query text into a normalised [`Query`].
///
/// Rules decided here (beyond the syntax in the module documentation):
///
/// - Words end at whitespace, `(`, `)` and `"`: `(a OR b)` needs no spaces, and `foo"bar"` is
///   `foo AND "bar"`. Quote text to search parentheses-containing values as a phrase.
/// - `-` negates only when a clause follows at once and that clause does not start with another
///   `-`: `-a` is `NOT a`, `--help` is the word `--help`, a lone `-` is an error (quote it as
///   `"-"` to search the token `-`).
/// - The field name is the text before the first `=` or `:` of a bare word; it may contain
///   `[A-Za-z0-9_.@#$-]` and non-ASCII letters. With `=`: an empty name is an error, a name with
///   other characters makes the whole word plain text (`/index.php?id=1` is a phrase), a
///   missing value is an error. With `:` the word is plain text (never an error) unless the
///   name is valid, has `@` only as its first character (`root@host:22` is text), is not only
///   digits and dots (`10.1.2.3:22`, `12345:6`), is not 1–4 hex digits (`fe80:`, `12:`, `C:`),
///   the value is non-empty (or a quoted string follows) and does not start with `/`, `\` or
///   `:` (`http://x`, `Z:\dir`, `std::io`), and the whole word is not an IPv6 address.
/// - Prefix: the text before a trailing `*` is tokenized and the last token is the prefix
///   (`foo.bar*` → tokens `["foo", "bar"]`, prefix). Exception for IPv4 subnets: when the text
///   ends (at a token boundary) with 1–3 octets and dots that are not a whole address
///   (`10.`, `10.1`, `10.1.`, `10.1.2.`), that text is kept as one prefix token so it matches the
///   indexed address tokens: `10.1.*` → `["10.1."]`, `src=10.1.2.*` → `["10.1.2."]`.
/// - Text that yields no token (`@@@`, `""`, the value of `user=@@`) is an error, as is a
///   lone `*`.
pub fn parse(text: &str) -> Result<Query, QueryError> {
    parser::parse(text)
}
