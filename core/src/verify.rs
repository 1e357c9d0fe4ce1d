//! Checks a record against a query exactly, by tokenizing its message again.
//!
//! The index lookup is exact for terms, but a phrase is looked up as the AND of its tokens,
//! which also finds records where the tokens are apart. This module decides the rest: a phrase
//! matches when its tokens are adjacent and in order within one field value.
//!
//! A JSON record is flattened as the indexer does, so `field=value` is checked per field. A
//! record that is not a JSON object (plain text, or a CSV/W3C/VPC row whose field names come
//! from a header the message does not hold) is checked on its whole text; the index lookup has
//! already required the terms in the right field.

use crate::json::{JsonFlattener, Leaf};
use crate::query::{Match, Query};
use crate::tokenizer::Tokenizer;

/// The token sequences of a record's values.
#[derive(Debug, Clone, Default)]
pub struct RecordTokens {
    values: Vec<(String, Vec<String>)>,
    fields_known: bool,
}

impl RecordTokens {
    /// Tokenizes a stored message.
    pub fn from_message(message: &str) -> Self {
        let mut tokenizer = Tokenizer::new();
        let looks_json = message.trim_start().starts_with('{');
        if looks_json {
            let mut values = Vec::new();
            let mut flattener = JsonFlattener::new();
            let result =
                flattener.flatten(message.as_bytes(), &mut |path: &str, leaf: Leaf<'_>| {
                    let mut tokens = Vec::new();
                    tokenizer.tokenize(leaf.text(), &mut |t| tokens.push(t.to_owned()));
                    values.push((path.to_owned(), tokens));
                });
            if result.is_ok() {
                return RecordTokens {
                    values,
                    fields_known: true,
                };
            }
        }
        let mut tokens = Vec::new();
        tokenizer.tokenize(message, &mut |t| tokens.push(t.to_owned()));
        RecordTokens {
            values: vec![(String::new(), tokens)],
            fields_known: false,
        }
    }
}

/// True when `record` matches `query`.
pub fn matches(query: &Query, record: &RecordTokens) -> bool {
    match query {
        Query::Match(m) => matches_leaf(m, record),
        Query::And(children) => children.iter().all(|c| matches(c, record)),
        Query::Or(children) => children.iter().any(|c| matches(c, record)),
        Query::Not(inner) => !matches(inner, record),
    }
}

/// The tokens of `record` that the query's positive (not negated) terms matched, each once,
/// in query order: what a UI highlights. A prefix term reports the full tokens it matched.
pub fn matched_terms(query: &Query, record: &RecordTokens) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in query.positive_leaves() {
        if let Some(block) = &m.cidr {
            for token in record.values.iter().flat_map(|(_, tokens)| tokens) {
                if block.contains_token(token) && !out.contains(token) {
                    out.push(token.clone());
                }
            }
            continue;
        }
        let last = m.tokens.len().saturating_sub(1);
        for (i, wanted) in m.tokens.iter().enumerate() {
            let prefix = m.prefix && i == last;
            for token in record.values.iter().flat_map(|(_, tokens)| tokens) {
                let hit = if prefix {
                    token.starts_with(wanted.as_str())
                } else {
                    token == wanted
                };
                if hit && !out.contains(token) {
                    out.push(token.clone());
                }
            }
        }
    }
    out
}

fn matches_leaf(m: &Match, record: &RecordTokens) -> bool {
    record.values.iter().any(|(field, tokens)| {
        let field_ok = match (&m.field, record.fields_known) {
            (Some(wanted), true) => wanted == field,
            _ => true,
        };
        field_ok
            && match &m.cidr {
                Some(block) => tokens.iter().any(|t| block.contains_token(t)),
                None => contains_sequence(tokens, &m.tokens, m.prefix),
            }
    })
}

/// True when `needle` occurs in `haystack` as adjacent tokens; with `prefix`, its last token
/// only has to start the token at that place.
fn contains_sequence(haystack: &[String], needle: &[String], prefix: bool) -> bool {
    let n = needle.len();
    if n == 0 || haystack.len() < n {
        return false;
    }
    haystack.windows(n).any(|window| {
        window
            .iter()
            .zip(needle)
            .enumerate()
            .all(|(i, (have, want))| {
                if prefix && i + 1 == n {
                    have.starts_with(want.as_str())
                } else {
                    have == want
                }
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(field: Option<&str>, tokens: &[&str], prefix: bool) -> Query {
        Query::Match(Match {
            field: field.map(str::to_owned),
            tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
            prefix,
            cidr: None,
        })
    }

    #[test]
    fn phrases_need_adjacent_tokens_in_one_value() {
        let email = leaf(None, &["tani", "cookpad", "com"], false);
        let hit = RecordTokens::from_message(r#"{"user":"tani@cookpad.com"}"#);
        let apart = RecordTokens::from_message(r#"{"a":"tani","b":"cookpad.com"}"#);
        let twin = RecordTokens::from_message("login by mizutani@cookpad.com");
        assert!(matches(&email, &hit));
        assert!(!matches(&email, &apart));
        assert!(!matches(&email, &twin));
        assert!(matches(
            &email,
            &RecordTokens::from_message("from tani@cookpad.com ok")
        ));
    }

    #[test]
    fn fields_prefixes_and_boolean_operators() {
        let record = RecordTokens::from_message(r#"{"user":"Admin","src":{"ip":"10.1.2.3"}}"#);
        assert!(matches(&leaf(Some("user"), &["admin"], false), &record));
        assert!(!matches(&leaf(Some("src.ip"), &["admin"], false), &record));
        assert!(matches(&leaf(Some("user"), &["adm"], true), &record));
        assert!(matches(&leaf(None, &["10.1."], true), &record));
        assert!(!matches(&leaf(None, &["10.2"], true), &record));
        let q = Query::And(vec![
            leaf(None, &["10.1.2.3"], false),
            Query::Not(Box::new(leaf(None, &["root"], false))),
        ]);
        assert!(matches(&q, &record));
        let q = Query::Or(vec![
            leaf(None, &["nope"], false),
            leaf(None, &["admin"], false),
        ]);
        assert!(matches(&q, &record));
    }

    #[test]
    fn cidr_blocks_match_address_tokens_of_their_field() {
        let q = crate::query::parse("src=10.1.0.0/16").unwrap();
        let hit = RecordTokens::from_message(r#"{"src":"10.1.200.7","dst":"8.8.8.8"}"#);
        let other_field = RecordTokens::from_message(r#"{"dst":"10.1.200.7"}"#);
        let twin = RecordTokens::from_message(r#"{"src":"110.1.200.7"}"#);
        assert!(matches(&q, &hit));
        assert!(!matches(&q, &other_field));
        assert!(!matches(&q, &twin));
        let any_field = crate::query::parse("10.1.0.0/16 -8.8.8.8").unwrap();
        assert!(!matches(&any_field, &hit));
        assert!(matches(&any_field, &other_field));
        assert_eq!(matched_terms(&q, &hit), ["10.1.200.7"]);
    }

    #[test]
    fn matched_terms_are_the_positive_tokens_found() {
        let record = RecordTokens::from_message(r#"{"user":"Administrator","ip":"10.1.2.3"}"#);
        let q = Query::And(vec![
            leaf(None, &["10.1.2.3"], false),
            leaf(None, &["admin"], true),
            Query::Not(Box::new(leaf(None, &["user"], false))),
            leaf(None, &["absent"], false),
        ]);
        assert_eq!(matched_terms(&q, &record), ["10.1.2.3", "administrator"]);
    }

    #[test]
    fn text_records_ignore_field_names() {
        // A CSV row's field names are not in its message: the index already checked them.
        let record = RecordTokens::from_message("bob,10.1.2.3");
        assert!(matches(&leaf(Some("ip"), &["10.1.2.3"], false), &record));
    }
}
