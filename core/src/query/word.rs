//! Bare words and field values: where a field name ends, and the tokens of a value.

use std::net::Ipv6Addr;

use super::QueryError;
use crate::tokenizer::{Tokenizer, is_hard_delimiter};

/// How a bare word splits into a field name and a value.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Split<'a> {
    /// Plain text: the whole word is searched in any field.
    Text,
    /// `name=value` or `name:value`; the value starts at byte `value_start` of the word (it
    /// may be empty when a quoted string follows).
    Field { name: &'a str, value_start: usize },
}

/// Decides whether `word` (starting at byte `start` of the query) is `field=value` /
/// `field:value`. `quote_follows` is true when a `"` directly follows the word.
pub(super) fn split_field(
    word: &str,
    start: usize,
    quote_follows: bool,
) -> Result<Split<'_>, QueryError> {
    let Some(sep) = word.find(['=', ':']) else {
        return Ok(Split::Text);
    };
    let (name, value) = (&word[..sep], &word[sep + 1..]);
    let field = Split::Field {
        name,
        value_start: sep + 1,
    };
    if word.as_bytes()[sep] == b'=' {
        if name.is_empty() {
            return Err(QueryError::new("expected a field name before '='", start));
        }
        if !is_field_name(name) {
            return Ok(Split::Text);
        }
        if value.is_empty() && !quote_follows {
            return Err(QueryError::new(
                "expected a value after '='",
                start + sep + 1,
            ));
        }
        return Ok(field);
    }
    let is_text = !is_field_name(name)
        || name.chars().skip(1).any(|c| c == '@') // root@host:22
        || name.bytes().all(|b| b.is_ascii_digit() || b == b'.') // 12345:6, 10.1.2.3:22
        || (name.len() <= 4 && name.bytes().all(|b| b.is_ascii_hexdigit())) // fe80:, 12:, C:
        || (value.is_empty() && !quote_follows) // user:
        || value.starts_with(['/', '\\', ':']) // http://x, Z:\dir, std::io
        || is_ipv6(word); // 2001:db8::1, ::ffff:10.0.0.1
    Ok(if is_text { Split::Text } else { field })
}

/// True for a non-empty field name made of `[A-Za-z0-9_.@#$-]` and non-ASCII letters.
pub(super) fn is_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '.' | '@' | '#' | '$' | '-')
                || (!c.is_ascii() && c.is_alphabetic())
        })
}

/// True when `word` is an IPv6 address, optionally with a zone (`fe80::1%eth0`).
pub(super) fn is_ipv6(word: &str) -> bool {
    let address = word.split_once('%').map_or(word, |(address, _)| address);
    address.contains(':') && address.parse::<Ipv6Addr>().is_ok()
}

/// Tokens of a bare word or bare field value, with a trailing `*` as prefix.
///
/// `start` is the byte offset of `text` in the query; `what` names the text in the error for
/// zero tokens ("word", "value").
pub(super) fn bare_tokens(
    tokenizer: &mut Tokenizer,
    text: &str,
    start: usize,
    what: &str,
) -> Result<(Vec<String>, bool), QueryError> {
    let (body, prefix) = match text.find('*') {
        None => (text, false),
        Some(0) if text.len() == 1 => {
            return Err(QueryError::new("'*' needs text before it", start));
        }
        Some(star) if star + 1 == text.len() => (&text[..star], true),
        Some(star) => {
            return Err(QueryError::new(
                "'*' is only supported at the end of a word (prefix search)",
                start + star,
            ));
        }
    };
    let tokens = tokens(tokenizer, body, prefix);
    if tokens.is_empty() {
        return Err(QueryError::new(
            format!("{what} has no searchable characters"),
            start,
        ));
    }
    Ok((tokens, prefix))
}

/// Tokens of the text of a quoted string (already unescaped); `start` is the byte offset of
/// the opening quote.
pub(super) fn quoted_tokens(
    tokenizer: &mut Tokenizer,
    text: &str,
    prefix: bool,
    start: usize,
    what: &str,
) -> Result<Vec<String>, QueryError> {
    let tokens = tokens(tokenizer, text, prefix);
    if tokens.is_empty() {
        return Err(QueryError::new(
            format!("{what} has no searchable characters"),
            start,
        ));
    }
    Ok(tokens)
}

/// Tokenizes `body`; with `prefix`, a trailing partial IPv4 address stays one token.
fn tokens(tokenizer: &mut Tokenizer, body: &str, prefix: bool) -> Vec<String> {
    let mut out = Vec::new();
    let (head, tail) = match prefix {
        true => split_partial_ipv4(body),
        false => (body, ""),
    };
    tokenizer.tokenize(head, &mut |t| out.push(t.to_owned()));
    if !tail.is_empty() {
        out.push(tail.to_owned());
    }
    out
}

/// Splits off a trailing partial IPv4 address (`10.`, `10.1`, `10.1.`, `10.1.2`, `10.1.2.`)
/// that starts at a token boundary; returns `(body, "")` when there is none.
fn split_partial_ipv4(body: &str) -> (&str, &str) {
    let bytes = body.as_bytes();
    let tail_len = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    let tail_start = body.len() - tail_len;
    let at_boundary = tail_start == 0
        || is_hard_delimiter(bytes[tail_start - 1])
        || bytes[tail_start - 1] == b':';
    if at_boundary && is_partial_ipv4(&body[tail_start..]) {
        (&body[..tail_start], &body[tail_start..])
    } else {
        (body, "")
    }
}

/// True for 1–3 octets each followed by a dot, or 2–3 octets joined by dots.
fn is_partial_ipv4(tail: &str) -> bool {
    let parts: Vec<&str> = tail.split('.').collect();
    let Some((last, complete)) = parts.split_last() else {
        return false;
    };
    (2..=4).contains(&parts.len())
        && complete.iter().all(|p| is_octet(p))
        && (last.is_empty() || (parts.len() < 4 && is_octet(last)))
}

/// True for 1–3 ASCII digits with a value of at most 255.
fn is_octet(part: &str) -> bool {
    (1..=3).contains(&part.len())
        && part.bytes().all(|b| b.is_ascii_digit())
        && part.parse::<u16>().is_ok_and(|v| v <= 255)
}

/// True when `text` can be written unquoted as one bare word (or bare field value) and lexes
/// back to the same tokens with no operator, negation, field or wildcard meaning.
pub(super) fn is_bare_safe(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('-')
        && !matches!(text, "AND" | "OR" | "NOT")
        && !text
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | '"' | '*' | '=' | '\\'))
        && (!text.contains(':') || is_ipv6(text))
}
