//! The lexer: query text to operators, parentheses and leaf clauses, on demand (so errors are
//! found in text order).

use super::word::{Split, bare_tokens, quoted_tokens, split_field};
use super::{Cidr, Match, QueryError};
use crate::tokenizer::Tokenizer;

/// What a lexeme is.
#[derive(Debug)]
pub(super) enum Kind {
    LParen,
    RParen,
    And,
    Or,
    Not,
    /// A `-` glued to the clause it negates.
    Minus,
    /// A word, quoted phrase or field match, already tokenized.
    Leaf(Match),
}

/// One lexeme and the byte offset where it starts.
#[derive(Debug)]
pub(super) struct Lexeme {
    pub(super) kind: Kind,
    pub(super) pos: usize,
}

/// Splits query text into lexemes.
pub(super) struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    tokenizer: Tokenizer,
}

/// True for characters that end a bare word.
fn ends_word(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            tokenizer: Tokenizer::new(),
        }
    }

    /// Byte length of the query (the position reported for "end of query").
    pub(super) fn end(&self) -> usize {
        self.text.len()
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The next lexeme, or `None` at the end of the text.
    pub(super) fn next_lexeme(&mut self) -> Result<Option<Lexeme>, QueryError> {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
        let pos = self.pos;
        let mut chars = self.rest().chars();
        let Some(c) = chars.next() else {
            return Ok(None);
        };
        let kind = match c {
            '(' => {
                self.pos += 1;
                Kind::LParen
            }
            ')' => {
                self.pos += 1;
                Kind::RParen
            }
            '"' => {
                let (text, prefix) = self.quoted()?;
                let tokens = quoted_tokens(&mut self.tokenizer, &text, prefix, pos, "phrase")?;
                Kind::Leaf(Match {
                    field: None,
                    tokens,
                    prefix,
                    cidr: None,
                })
            }
            // `-a`, `-(a)`, `-"a b"` negate; `- a`, `-)` and `--a` do not.
            '-' if chars
                .next()
                .is_some_and(|n| !n.is_whitespace() && !matches!(n, ')' | '-')) =>
            {
                self.pos += 1;
                Kind::Minus
            }
            _ => self.word()?,
        };
        Ok(Some(Lexeme { kind, pos }))
    }

    /// Lexes a bare word: an operator or a leaf.
    fn word(&mut self) -> Result<Kind, QueryError> {
        let start = self.pos;
        let rest = self.rest();
        let len = rest.find(ends_word).unwrap_or(rest.len());
        let word = &rest[..len];
        self.pos += len;
        match word {
            "AND" => return Ok(Kind::And),
            "OR" => return Ok(Kind::Or),
            "NOT" => return Ok(Kind::Not),
            "-" => return Err(QueryError::new("expected a clause after '-'", start + 1)),
            _ => {}
        }
        let quote_follows = self.rest().starts_with('"');
        let tokenizer = &mut self.tokenizer;
        let leaf = match split_field(word, start, quote_follows)? {
            Split::Text => bare_match(tokenizer, None, word, start, "word")?,
            Split::Field { name, value_start } if value_start < word.len() => bare_match(
                tokenizer,
                Some(name),
                &word[value_start..],
                start + value_start,
                "value",
            )?,
            Split::Field { name, .. } => {
                let quote = self.pos;
                let (text, prefix) = self.quoted()?;
                let tokens = quoted_tokens(&mut self.tokenizer, &text, prefix, quote, "value")?;
                Match {
                    field: Some(name.to_owned()),
                    tokens,
                    prefix,
                    cidr: None,
                }
            }
        };
        Ok(Kind::Leaf(leaf))
    }

    /// Lexes a quoted string at `self.pos` (which holds `"`); returns its unescaped text and
    /// whether a `*` directly follows the closing quote (consumed).
    fn quoted(&mut self) -> Result<(String, bool), QueryError> {
        let open = self.pos;
        let mut text = String::new();
        let mut chars = self.text[open + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = open + 1 + i + 1;
                    let prefix = self.rest().starts_with('*');
                    if prefix {
                        self.pos += 1;
                    }
                    return Ok((text, prefix));
                }
                '\\' if self.text[open + 1 + i + 1..].starts_with(['"', '\\']) => {
                    if let Some((_, escaped)) = chars.next() {
                        text.push(escaped);
                    }
                }
                _ => text.push(c),
            }
        }
        Err(QueryError::new("unterminated quote starting", open))
    }
}

/// The leaf of a bare word or bare field value: an IPv4 CIDR block (`10.1.0.0/16`) or tokens.
fn bare_match(
    tokenizer: &mut Tokenizer,
    field: Option<&str>,
    text: &str,
    start: usize,
    what: &str,
) -> Result<Match, QueryError> {
    let field = field.map(str::to_owned);
    if let Some(block) = Cidr::parse_query_word(text) {
        let block = block.map_err(|e| QueryError::new(e.to_string(), start))?;
        return Ok(Match::cidr(field, block));
    }
    let (tokens, prefix) = bare_tokens(tokenizer, text, start, what)?;
    Ok(Match {
        field,
        tokens,
        prefix,
        cidr: None,
    })
}
