//! Canonical query text: `Display` for [`Query`] and [`Match`].
//!
//! The text uses explicit `AND`/`OR`/`NOT`, parentheses only where precedence needs them, bare
//! words where they lex back unchanged and quotes otherwise. For every query [`super::parse`]
//! returns, parsing the text again gives an equal query.

use std::fmt::{self, Write};

use super::word::{is_bare_safe, is_ipv6};
use super::{Match, Query};

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Match(m) => fmt::Display::fmt(m, f),
            Query::And(children) => join(f, children, " AND ", |c| {
                matches!(c, Query::Or(_) | Query::And(_))
            }),
            Query::Or(children) => join(f, children, " OR ", |c| matches!(c, Query::Or(_))),
            Query::Not(inner) => {
                f.write_str("NOT ")?;
                group(f, inner, !matches!(**inner, Query::Match(_)))
            }
        }
    }
}

/// Writes `children` separated by `separator`, parenthesizing those `needs_parens` selects.
/// An empty list is written as `()`, which does not parse.
fn join(
    f: &mut fmt::Formatter<'_>,
    children: &[Query],
    separator: &str,
    needs_parens: impl Fn(&Query) -> bool,
) -> fmt::Result {
    if children.is_empty() {
        return f.write_str("()");
    }
    for (i, child) in children.iter().enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        group(f, child, needs_parens(child))?;
    }
    Ok(())
}

fn group(f: &mut fmt::Formatter<'_>, query: &Query, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({query})")
    } else {
        fmt::Display::fmt(query, f)
    }
}

impl fmt::Display for Match {
    /// `field=value`, `"a phrase"`, `adm*`: text that the tokenizer cuts back into the same
    /// tokens. An IPv4-mapped IPv6 token followed by its own IPv4 tail (the tokenizer emits both
    /// for `::ffff:10.0.0.1`) is written once.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            write!(f, "{field}=")?;
        }
        if let Some(block) = &self.cidr {
            return write!(f, "{block}");
        }
        let mut words: Vec<&str> = Vec::with_capacity(self.tokens.len());
        let mut tokens = self.tokens.iter().peekable();
        while let Some(token) = tokens.next() {
            words.push(token);
            if let Some(tail) = ipv4_tail(token)
                && tokens.peek().is_some_and(|next| *next == tail)
            {
                tokens.next();
            }
        }
        match words.as_slice() {
            [word] if is_bare_safe(word) => f.write_str(word)?,
            _ => {
                f.write_char('"')?;
                for (i, word) in words.iter().enumerate() {
                    if i > 0 {
                        f.write_char(' ')?;
                    }
                    for c in word.chars() {
                        if matches!(c, '"' | '\\') {
                            f.write_char('\\')?;
                        }
                        f.write_char(c)?;
                    }
                }
                f.write_char('"')?;
            }
        }
        if self.prefix {
            f.write_char('*')?;
        }
        Ok(())
    }
}

/// The embedded IPv4 address of an IPv6 token such as `::ffff:10.0.0.1`.
fn ipv4_tail(token: &str) -> Option<&str> {
    if !token.contains('.') || !is_ipv6(token) {
        return None;
    }
    token.rsplit(':').next()
}
