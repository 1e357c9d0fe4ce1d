//! Renders a parsed [`Query`] into SQL, in one place, for two dialects: DataFusion (embedded
//! engine) and Athena (Trino).
//!
//! A search runs in two steps, both rendered here:
//!
//! 1. [`index_sql`]: the index lookup. Every leaf of the query becomes a `SELECT object_id,
//!    seq, timestamp, dt FROM indices WHERE dt BETWEEN … AND term = …`; AND, OR and NOT become
//!    `INTERSECT`, `UNION` and `EXCEPT`, and the outer `SELECT DISTINCT` returns each record
//!    once (a term found in two fields of a record, or a record in both a merge's inputs and
//!    its output while the merger runs). The result is ordered newest first and capped.
//! 2. [`messages_sql`]: the message fetch for one page of hits, with literal partition and id
//!    lists so both engines read only the files and row groups that hold those records.
//!
//! The index lookup is exact for terms and prefixes. A phrase (several tokens that must be
//! adjacent) is looked up as the AND of its tokens, and a NOT over a phrase is left out: the
//! lookup then returns a superset ([`IndexSql::exact`] is false) that the caller narrows by
//! checking each candidate record (see `minerva-search`).
//!
//! User text reaches SQL only through [`string_literal`].

#[cfg(test)]
mod tests;

use std::fmt::Write;

use crate::layout::Hour;
use crate::query::{Match, Query};

/// Target SQL engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Apache DataFusion (the embedded engine).
    DataFusion,
    /// Amazon Athena engine v3 (Trino).
    Athena,
}

/// SQL cannot be rendered for this query.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// A string holds a character no SQL literal here may contain.
    #[error("text contains a control character (U+{0:04X}) that cannot be searched")]
    ControlCharacter(u32),
    /// The query cannot be answered from the index.
    #[error("{0}")]
    Unsupported(String),
    /// A table name is not a plain identifier.
    #[error("invalid table name {0:?}")]
    TableName(String),
}

/// Renders `text` as a SQL string literal: `'…'` with `'` doubled. Backslashes, `%`, `_` and
/// Unicode need no escaping in either dialect (standard strings, no `LIKE` is ever rendered).
/// Control characters are refused rather than passed through.
pub fn string_literal(text: &str) -> Result<String, SqlError> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(SqlError::ControlCharacter(c as u32));
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

/// Names of the two tables, e.g. `indices` / `messages`, or `minerva.indices` for Athena.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    indices: String,
    messages: String,
}

impl Tables {
    /// `indices` and `messages` in the given schema (database), if any.
    pub fn new(schema: Option<&str>) -> Result<Self, SqlError> {
        let qualify = |table: &str| -> Result<String, SqlError> {
            Ok(match schema {
                Some(schema) => format!("{}.{}", identifier(schema)?, identifier(table)?),
                None => identifier(table)?,
            })
        };
        Ok(Tables {
            indices: qualify("indices")?,
            messages: qualify("messages")?,
        })
    }
}

impl Default for Tables {
    fn default() -> Self {
        Tables::new(None).expect("plain table names are valid")
    }
}

/// Quotes an identifier that is known to be plain (letters, digits, `_`).
fn identifier(name: &str) -> Result<String, SqlError> {
    let plain = !name.is_empty()
        && name.len() <= 128
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if plain {
        Ok(format!("\"{name}\""))
    } else {
        Err(SqlError::TableName(name.to_owned()))
    }
}

/// What a search covers besides the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchScope {
    /// First hour (inclusive).
    pub from: Hour,
    /// Last hour (inclusive).
    pub to: Hour,
    /// Only these tags, when not empty.
    pub tags: Vec<String>,
    /// Most candidates returned by the index lookup.
    pub limit: usize,
}

/// The rendered index lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSql {
    /// The statement; columns `object_id`, `seq`, `timestamp`, `dt`, `tag`, newest first.
    pub sql: String,
    /// True when every returned record matches the query; false when it is a superset.
    pub exact: bool,
}

struct Renderer<'a> {
    scope: &'a SearchScope,
    tables: &'a Tables,
    exact: bool,
    next_alias: usize,
}

/// Renders the index lookup for `query`.
pub fn index_sql(
    query: &Query,
    scope: &SearchScope,
    tables: &Tables,
    dialect: Dialect,
) -> Result<IndexSql, SqlError> {
    // Both dialects accept the same text for everything rendered here; the parameter keeps the
    // call sites explicit and leaves room for dialect-specific spellings.
    let _ = dialect;
    let mut renderer = Renderer {
        scope,
        tables,
        exact: true,
        next_alias: 0,
    };
    let body = renderer.set(query)?;
    let sql = format!(
        "SELECT DISTINCT object_id, seq, \"timestamp\", dt, tag FROM ({body}) AS hits \
         ORDER BY \"timestamp\" DESC, object_id, seq LIMIT {}",
        scope.limit
    );
    Ok(IndexSql {
        sql,
        exact: renderer.exact,
    })
}

impl Renderer<'_> {
    /// A set expression (SELECT … [INTERSECT|UNION|EXCEPT …]) for `query`.
    fn set(&mut self, query: &Query) -> Result<String, SqlError> {
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

    /// One query leaf: a term, a prefix, or a phrase (as the AND of its tokens).
    fn leaf(&mut self, m: &Match) -> Result<String, SqlError> {
        if m.tokens.len() > 1 {
            self.exact = false;
        }
        let mut selects = Vec::with_capacity(m.tokens.len());
        for (i, token) in m.tokens.iter().enumerate() {
            let prefix = m.prefix && i + 1 == m.tokens.len();
            selects.push(self.select(m.field.as_deref(), token, prefix)?);
        }
        if selects.is_empty() {
            return Err(SqlError::Unsupported("empty clause".into()));
        }
        Ok(selects.join(" INTERSECT "))
    }

    fn select(&self, field: Option<&str>, token: &str, prefix: bool) -> Result<String, SqlError> {
        let mut sql = format!(
            "SELECT object_id, seq, \"timestamp\", dt, tag FROM {} WHERE dt >= {} AND dt <= {}",
            self.tables.indices,
            string_literal(&self.scope.from.dt())?,
            string_literal(&self.scope.to.dt())?,
        );
        if !self.scope.tags.is_empty() {
            let tags = self
                .scope
                .tags
                .iter()
                .map(|t| string_literal(t))
                .collect::<Result<Vec<_>, _>>()?;
            let _ = write!(sql, " AND tag IN ({})", tags.join(", "));
        }
        if let Some(field) = field {
            let _ = write!(sql, " AND field = {}", string_literal(field)?);
        }
        if prefix {
            let literal = string_literal(token)?;
            // The range lets row-group statistics skip files sorted by term.
            let _ = write!(sql, " AND term >= {literal}");
            if let Some(upper) = prefix_upper_bound(token) {
                let _ = write!(sql, " AND term < {}", string_literal(&upper)?);
            }
            let _ = write!(sql, " AND starts_with(term, {literal})");
        } else {
            let _ = write!(sql, " AND term = {}", string_literal(token)?);
        }
        Ok(sql)
    }
}

/// True when the index lookup for `query` is exact (no phrase anywhere).
fn is_exact(query: &Query) -> bool {
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

/// The location of one hit: enough to fetch its message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HitKey {
    /// Partition (`YYYY-MM-DD-HH`).
    pub dt: String,
    /// Object id.
    pub object_id: String,
    /// Record number in the object.
    pub seq: i64,
}

/// Renders the message fetch for `keys` (one page of hits).
pub fn messages_sql(
    keys: &[HitKey],
    tables: &Tables,
    dialect: Dialect,
) -> Result<String, SqlError> {
    let _ = dialect;
    let mut sorted: Vec<&HitKey> = keys.iter().collect();
    sorted.sort();
    sorted.dedup();
    let mut dts: Vec<&str> = sorted.iter().map(|k| k.dt.as_str()).collect();
    dts.dedup();
    let dt_list = dts
        .iter()
        .map(|d| string_literal(d))
        .collect::<Result<Vec<_>, _>>()?;
    // Group seqs per (dt, object) so each object is one equality plus a short IN list.
    let mut groups: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let (dt, object) = (&sorted[i].dt, &sorted[i].object_id);
        let mut seqs = Vec::new();
        while i < sorted.len() && sorted[i].dt == *dt && sorted[i].object_id == *object {
            seqs.push(sorted[i].seq.to_string());
            i += 1;
        }
        groups.push(format!(
            "(dt = {} AND object_id = {} AND seq IN ({}))",
            string_literal(dt)?,
            string_literal(object)?,
            seqs.join(", ")
        ));
    }
    if groups.is_empty() {
        groups.push("FALSE".to_owned());
    }
    Ok(format!(
        "SELECT tag, \"timestamp\", object_id, seq, source, message, raw, dt FROM {} \
         WHERE dt IN ({}) AND ({})",
        tables.messages,
        if dt_list.is_empty() {
            "''".to_owned()
        } else {
            dt_list.join(", ")
        },
        groups.join(" OR ")
    ))
}

/// Renders the field-name census of a time range (for autocomplete): columns `field`, `n`,
/// most frequent first. Plain-text records have an empty field name and are left out.
pub fn fields_sql(
    from: Hour,
    to: Hour,
    limit: usize,
    tables: &Tables,
    dialect: Dialect,
) -> Result<String, SqlError> {
    let _ = dialect;
    Ok(format!(
        "SELECT field, COUNT(*) AS n FROM {} WHERE dt >= {} AND dt <= {} AND field <> '' \
         GROUP BY field ORDER BY n DESC, field LIMIT {limit}",
        tables.indices,
        string_literal(&from.dt())?,
        string_literal(&to.dt())?,
    ))
}
