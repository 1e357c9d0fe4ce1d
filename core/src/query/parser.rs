//! Recursive-descent parser with an explicit depth limit.
//!
//! ```text
//! query   := or END
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")" | leaf
//! ```

use super::lexer::{Kind, Lexeme, Lexer};
use super::{MAX_CLAUSES, MAX_DEPTH, MAX_QUERY_BYTES, Query, QueryError};

/// Parses `text`; see [`super::parse`].
pub(super) fn parse(text: &str) -> Result<Query, QueryError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(QueryError::new(
            format!("query is longer than {MAX_QUERY_BYTES} bytes"),
            MAX_QUERY_BYTES,
        ));
    }
    let mut parser = Parser {
        lexer: Lexer::new(text),
        peeked: None,
        depth: 0,
        leaves: 0,
    };
    if parser.peek()?.is_none() {
        return Err(QueryError::new("empty query", 0));
    }
    let branches = parser.or_branches()?;
    if let Some(lexeme) = parser.peek()? {
        // `or` stops only at the end or at a `)` that closes nothing.
        return Err(QueryError::new("unbalanced ')'", lexeme.pos));
    }
    if let Some((_, pos)) = branches.iter().find(|(q, _)| q.is_negative_only()) {
        return Err(QueryError::new(
            "a query needs at least one positive clause",
            *pos,
        ));
    }
    Ok(Query::or(branches.into_iter().map(|(q, _)| q)))
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// One lexeme of lookahead: `Some(None)` is a peeked end of text.
    peeked: Option<Option<Lexeme>>,
    depth: usize,
    leaves: usize,
}

impl Parser<'_> {
    fn peek(&mut self) -> Result<Option<&Lexeme>, QueryError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lexer.next_lexeme()?);
        }
        Ok(self.peeked.as_ref().and_then(Option::as_ref))
    }

    fn bump(&mut self) -> Result<Option<Lexeme>, QueryError> {
        match self.peeked.take() {
            Some(lexeme) => Ok(lexeme),
            None => self.lexer.next_lexeme(),
        }
    }

    /// Checks that a clause starts next; `after` names what came before, for the error.
    fn expect_clause(&mut self, after: &str) -> Result<(), QueryError> {
        let end = self.lexer.end();
        match self.peek()? {
            Some(Lexeme {
                kind: Kind::LParen | Kind::Not | Kind::Minus | Kind::Leaf(_),
                ..
            }) => Ok(()),
            other => Err(QueryError::new(
                format!("expected a clause after {after}"),
                other.map_or(end, |l| l.pos),
            )),
        }
    }

    /// Enters one level of nesting at `pos`.
    fn descend(&mut self, pos: usize) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(QueryError::new(
                format!("nesting deeper than {MAX_DEPTH} levels"),
                pos,
            ));
        }
        Ok(())
    }

    /// The OR branches at this level with the byte offset where each starts.
    fn or_branches(&mut self) -> Result<Vec<(Query, usize)>, QueryError> {
        let mut branches = Vec::new();
        loop {
            let end = self.lexer.end();
            let pos = self.peek()?.map_or(end, |l| l.pos);
            branches.push((self.and()?, pos));
            if !matches!(self.peek()?, Some(Lexeme { kind: Kind::Or, .. })) {
                return Ok(branches);
            }
            self.bump()?;
            self.expect_clause("OR")?;
        }
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut children = vec![self.unary()?];
        loop {
            match self.peek()? {
                None
                | Some(Lexeme {
                    kind: Kind::Or | Kind::RParen,
                    ..
                }) => break,
                Some(Lexeme {
                    kind: Kind::And, ..
                }) => {
                    self.bump()?;
                    self.expect_clause("AND")?;
                }
                Some(_) => {}
            }
            children.push(self.unary()?);
        }
        Ok(Query::and(children))
    }

    fn unary(&mut self) -> Result<Query, QueryError> {
        let (pos, after) = match self.peek()? {
            Some(Lexeme {
                kind: Kind::Not,
                pos,
            }) => (*pos, "NOT"),
            Some(Lexeme {
                kind: Kind::Minus,
                pos,
            }) => (*pos, "'-'"),
            _ => return self.primary(),
        };
        self.bump()?;
        self.descend(pos)?;
        self.expect_clause(after)?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(inner.negate())
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        let end = self.lexer.end();
        let Some(Lexeme { kind, pos }) = self.bump()? else {
            return Err(QueryError::new("expected a clause", end));
        };
        match kind {
            Kind::Leaf(leaf) => {
                self.leaves += 1;
                if self.leaves > MAX_CLAUSES {
                    return Err(QueryError::new(
                        format!("more than {MAX_CLAUSES} clauses"),
                        pos,
                    ));
                }
                Ok(Query::Match(leaf))
            }
            Kind::LParen => {
                self.descend(pos)?;
                self.expect_clause("'('")?;
                let inner = Query::or(self.or_branches()?.into_iter().map(|(q, _)| q));
                match self.bump()? {
                    Some(Lexeme {
                        kind: Kind::RParen, ..
                    }) => {}
                    _ => return Err(QueryError::new("unclosed '('", pos)),
                }
                self.depth -= 1;
                Ok(inner)
            }
            Kind::RParen => Err(QueryError::new("unbalanced ')'", pos)),
            Kind::And => Err(QueryError::new("expected a clause before AND", pos)),
            Kind::Or => Err(QueryError::new("expected a clause before OR", pos)),
            // `unary` handles negations before calling `primary`.
            Kind::Not | Kind::Minus => Err(QueryError::new("expected a clause", pos)),
        }
    }
}
