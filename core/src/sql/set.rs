//! The set expression of an index lookup: every query leaf becomes one `SELECT … FROM indices`
//! of the keys of the records that hold it, and AND, OR and NOT become `INTERSECT`, `UNION` and
//! `EXCEPT`. The statements in the parent module wrap it.

use std::fmt::Write;

use super::{SearchScope, SqlError, Tables, string_literal};
use crate::query::{Cidr, CidrLookup, Match, Query};

/// Columns of every leaf and of the set expression: the record's key, its partition and tag
/// (format v2 `indices` carry no time; the time comes from `messages`, see `timed_matches`).
pub(super) const KEY_COLUMNS: &str = "object_id, seq, dt, tag";

pub(super) struct SetRenderer<'a> {
    pub(super) scope: &'a SearchScope,
    pub(super) tables: &'a Tables,
    /// False once a phrase (or a NOT over one) made the expression a superset.
    pub(super) exact: bool,
    next_alias: usize,
}

impl<'a> SetRenderer<'a> {
    pub(super) fn new(scope: &'a SearchScope, tables: &'a Tables) -> Self {
        SetRenderer {
            scope,
            tables,
            exact: true,
            next_alias: 0,
        }
    }

    /// A set expression (SELECT … [INTERSECT|UNION|EXCEPT …]) for `query`.
    pub(super) fn set(&mut self, query: &Query) -> Result<String, SqlError> {
        match query {
            Query::Match(m) => self.leaf(m),
            Query::Or(children) => {
                let mut parts = Vec::with_capacity(children.len());
                for child in children {
                    if matches!(child, Query::Not(_)) {
                        return Err(SqlError::Unsupported(
                            "NOT inside OR cannot be answered from the index; \
                             rewrite it, e.g. `a OR (b -c)`"
                                .into(),
                        ));
                    }
                    parts.push(self.operand(child)?);
                }
                Ok(parts.join(" UNION "))
            }
            Query::And(children) => {
                let (negative, positive): (Vec<&Query>, Vec<&Query>) =
                    children.iter().partition(|c| matches!(c, Query::Not(_)));
                if positive.is_empty() {
                    return Err(SqlError::Unsupported(
                        "a query needs at least one clause that is not negated".into(),
                    ));
                }
                let mut sql = positive
                    .iter()
                    .map(|c| self.operand(c))
                    .collect::<Result<Vec<_>, _>>()?
                    .join(" INTERSECT ");
                for not in negative {
                    let Query::Not(inner) = not else { continue };
                    // Subtracting a superset would lose hits: only exact negations go to SQL.
                    if !is_exact(inner) {
                        self.exact = false;
                        continue;
                    }
                    let _ = write!(sql, " EXCEPT {}", self.operand(inner)?);
                }
                Ok(sql)
            }
            Query::Not(_) => Err(SqlError::Unsupported(
                "a query needs at least one clause that is not negated".into(),
            )),
        }
    }

    /// A set expression usable as one operand of a chain: composite ones are wrapped.
    fn operand(&mut self, query: &Query) -> Result<String, SqlError> {
        let inner = self.set(query)?;
        let single_leaf = matches!(query, Query::Match(m) if m.tokens.len() <= 1);
        if single_leaf {
            return Ok(inner);
        }
        self.next_alias += 1;
        Ok(format!("SELECT * FROM ({inner}) AS q{}", self.next_alias))
    }

    /// One query leaf: a term, a prefix, or a phrase (as the AND of its rarest tokens, see
    /// [`phrase_lookup_tokens`]).
    fn leaf(&mut self, m: &Match) -> Result<String, SqlError> {
        if let Some(block) = &m.cidr {
            return self.cidr_select(m.field.as_deref(), block);
        }
        if m.tokens.len() > 1 {
            self.exact = false;
        }
        let mut selects = Vec::with_capacity(m.tokens.len());
        for i in phrase_lookup_tokens(m) {
            let prefix = m.prefix && i + 1 == m.tokens.len();
            selects.push(self.select(m.field.as_deref(), &m.tokens[i], prefix)?);
        }
        if selects.is_empty() {
            return Err(SqlError::Unsupported("empty clause".into()));
        }
        Ok(selects.join(" INTERSECT "))
    }

    /// `SELECT … FROM indices WHERE <partitions> [AND field = …]`: a leaf's start.
    fn select_from_indices(&self, field: Option<&str>) -> Result<String, SqlError> {
        let mut sql = format!(
            "SELECT {KEY_COLUMNS} FROM {} WHERE {}",
            self.tables.indices,
            self.scope.partition_filter()?,
        );
        if let Some(field) = field {
            let _ = write!(sql, " AND field = {}", string_literal(field)?);
        }
        Ok(sql)
    }

    /// An IPv4 block: its address terms, or the terms in its prefix ranges (see [`Cidr`]).
    fn cidr_select(&self, field: Option<&str>, block: &Cidr) -> Result<String, SqlError> {
        let sql = self.select_from_indices(field)?;
        let condition = match block.lookup() {
            CidrLookup::Addresses(addresses) => terms_equal(&addresses)?,
            CidrLookup::Prefixes(prefixes) => terms_start_with(&prefixes)?,
        };
        Ok(sql + &condition)
    }

    fn select(&self, field: Option<&str>, token: &str, prefix: bool) -> Result<String, SqlError> {
        let sql = self.select_from_indices(field)?;
        let token = [token.to_owned()];
        let condition = match prefix {
            true => terms_start_with(&token)?,
            false => terms_equal(&token)?,
        };
        Ok(sql + &condition)
    }
}

/// ` AND term = …` for one term, ` AND term IN (…)` for several.
fn terms_equal(terms: &[String]) -> Result<String, SqlError> {
    let literals: Vec<String> = terms
        .iter()
        .map(|t| string_literal(t))
        .collect::<Result<_, _>>()?;
    Ok(match literals.as_slice() {
        [one] => format!(" AND term = {one}"),
        many => format!(" AND term IN ({})", many.join(", ")),
    })
}

/// ` AND term >= first AND term < bound AND …`: terms that start with one of `prefixes`
/// (sorted). The range lets row-group statistics skip files sorted by term; the test is
/// `starts_with(term, p)` for one prefix and, for several, one `substr(term, 1, n) IN (…)` per
/// prefix length (a hash-set probe per term, where a chain of `starts_with … OR …` made
/// DataFusion's per-file planning grow with the number of prefixes).
fn terms_start_with(prefixes: &[String]) -> Result<String, SqlError> {
    let (Some(first), Some(last)) = (prefixes.first(), prefixes.last()) else {
        return Err(SqlError::Unsupported("empty clause".into()));
    };
    let mut sql = format!(" AND term >= {}", string_literal(first)?);
    if let Some(upper) = prefix_upper_bound(last) {
        let _ = write!(sql, " AND term < {}", string_literal(&upper)?);
    }
    if let [one] = prefixes {
        let _ = write!(sql, " AND starts_with(term, {})", string_literal(one)?);
        return Ok(sql);
    }
    let mut lengths: Vec<usize> = prefixes.iter().map(String::len).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let mut parts = Vec::with_capacity(lengths.len());
    for len in lengths {
        let same: Vec<String> = prefixes
            .iter()
            .filter(|p| p.len() == len)
            .map(|p| string_literal(p))
            .collect::<Result<_, _>>()?;
        parts.push(format!("substr(term, 1, {len}) IN ({})", same.join(", ")));
    }
    let _ = write!(sql, " AND ({})", parts.join(" OR "));
    Ok(sql)
}

/// Tokens of a phrase this long or longer are looked up; shorter ones (`com`, `for`, `200`)
/// are among the most frequent words of logs, so their postings cost a lookup the most bytes
/// and narrow it the least.
const RARE_TOKEN_BYTES: usize = 4;

/// Tokens of a phrase looked up at most: each more narrows the candidates less.
const PHRASE_LOOKUP_TOKENS: usize = 2;

/// The positions of the tokens of `m` that the index lookup reads. A term or prefix is one
/// token. A phrase's candidates are checked against their messages anyway, so its lookup only
/// needs to find a superset: it reads its [`PHRASE_LOOKUP_TOKENS`] longest whole tokens of at
/// least [`RARE_TOKEN_BYTES`] (length standing in for rarity: `tani@cookpad.com` is looked up
/// as `cookpad` AND `tani`, never through `com`), or every token when none is that long.
pub(super) fn phrase_lookup_tokens(m: &Match) -> Vec<usize> {
    let last = m.tokens.len().saturating_sub(1);
    let mut rare: Vec<usize> = (0..m.tokens.len())
        .filter(|&i| !(m.prefix && i == last) && m.tokens[i].len() >= RARE_TOKEN_BYTES)
        .collect();
    if m.tokens.len() <= 1 || rare.is_empty() {
        return (0..m.tokens.len()).collect();
    }
    // Longest first; the earlier token on ties, so the SQL is stable.
    rare.sort_by_key(|&i| (std::cmp::Reverse(m.tokens[i].len()), i));
    rare.truncate(PHRASE_LOOKUP_TOKENS);
    rare.sort_unstable();
    rare
}

/// True when the index lookup for `query` is exact (no phrase anywhere).
pub(super) fn is_exact(query: &Query) -> bool {
    match query {
        Query::Match(m) => m.tokens.len() <= 1,
        Query::And(c) | Query::Or(c) => c.iter().all(is_exact),
        Query::Not(inner) => is_exact(inner),
    }
}

/// The smallest string greater than every string that starts with `prefix`, when its last
/// character is ASCII below `~` (enough for the sorted-term range; otherwise only
/// `starts_with` applies).
fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let last = prefix.chars().last()?;
    if !last.is_ascii() || last >= '~' {
        return None;
    }
    let mut upper = prefix[..prefix.len() - 1].to_owned();
    upper.push((last as u8 + 1) as char);
    Some(upper)
}
