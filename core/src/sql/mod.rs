//! Renders a parsed [`Query`] into SQL, in one place, for two dialects: DataFusion (embedded
//! engine) and Athena (Trino). Every statement a backend sends comes from here; the golden
//! files under `tests/golden/sql/` show them all.
//!
//! A search is made of these statements:
//!
//! 1. [`index_sql`]: the index lookup. Every leaf of the query becomes a `SELECT object_id,
//!    seq, dt, tag FROM indices WHERE dt BETWEEN … AND term = …` (module `set`); AND, OR and
//!    NOT become `INTERSECT`, `UNION` and `EXCEPT`. The keys are joined with the same
//!    partitions of `messages` for their time (`indices` hold none), and `SELECT DISTINCT`
//!    returns each record once (a term found in two fields of a record, or a record in both a
//!    merge's inputs and its output while the merger runs), within the exact time range,
//!    newest first, optionally one window of rows.
//! 2. [`summary_sql`]: per tag and fine time bin, how many records match — exact totals, tag
//!    counts and timeline without reading a message or keeping a candidate.
//! 3. [`messages_sql`]: the message fetch for one page of hits, with literal partition and id
//!    lists so both engines read only the files and row groups that hold those records.
//! 4. [`fields_sql`]: the field-name census of a range.
//!
//! The index lookup is exact for terms and prefixes. A phrase (several tokens that must be
//! adjacent) is looked up as the AND of its tokens, and a NOT over a phrase is left out: the
//! lookup then returns a superset ([`IndexSql::exact`] is false) that the caller narrows by
//! checking each candidate record (see `minerva-search`).
//!
//! User text reaches SQL only through [`string_literal`]; identifiers only through the
//! validated [`Tables`].

pub mod ddl;
mod set;
#[cfg(test)]
mod tests;

use std::fmt::Write;

use crate::layout::Hour;
use crate::query::Query;
use set::SetRenderer;

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

/// What a search covers besides the query: an exact time range and a tag filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchScope {
    /// Start of the range (inclusive), microseconds since the epoch, UTC.
    pub from_us: i64,
    /// End of the range (exclusive).
    pub to_us: i64,
    /// Only these tags, when not empty.
    pub tags: Vec<String>,
    /// Only these hours of the range, when known (the hours the hour sketches could not rule
    /// out, see [`crate::sketch`]); `None`: every hour of the range. Sorted, each once.
    pub hours: Option<Vec<Hour>>,
}

impl SearchScope {
    /// A scope of every hour of `[from_us, to_us)` and every tag.
    pub fn new(from_us: i64, to_us: i64) -> Self {
        SearchScope {
            from_us,
            to_us,
            tags: Vec::new(),
            hours: None,
        }
    }

    /// First hour of the range.
    pub fn first_hour(&self) -> Hour {
        Hour::of_micros(self.from_us)
    }

    /// Last hour of the range (inclusive).
    pub fn last_hour(&self) -> Hour {
        Hour::of_micros(self.to_us.max(self.from_us + 1) - 1)
    }

    /// `dt >= … AND dt <= …`, or `dt IN (…)` with a list of hours [`AND tag IN (…)`]: what
    /// prunes partitions and row groups. An empty list of hours matches nothing (`FALSE`).
    fn partition_filter(&self) -> Result<String, SqlError> {
        let mut sql = match self.hours.as_deref() {
            None => format!(
                "dt >= {} AND dt <= {}",
                string_literal(&self.first_hour().dt())?,
                string_literal(&self.last_hour().dt())?,
            ),
            Some([]) => format!(
                "dt = {} AND FALSE",
                string_literal(&self.first_hour().dt())?
            ),
            Some(hours) => {
                let list = hours
                    .iter()
                    .map(|h| string_literal(&h.dt()))
                    .collect::<Result<Vec<_>, _>>()?;
                format!("dt IN ({})", list.join(", "))
            }
        };
        if !self.tags.is_empty() {
            let tags = self
                .tags
                .iter()
                .map(|t| string_literal(t))
                .collect::<Result<Vec<_>, _>>()?;
            let _ = write!(sql, " AND tag IN ({})", tags.join(", "));
        }
        Ok(sql)
    }

    /// The exact time bounds on `"timestamp"` (the partitions are whole hours).
    fn time_filter(&self, dialect: Dialect) -> Result<String, SqlError> {
        Ok(format!(
            "\"timestamp\" >= {} AND \"timestamp\" < {}",
            timestamp_literal(self.from_us, dialect)?,
            timestamp_literal(self.to_us, dialect)?,
        ))
    }
}

/// Columns of [`index_sql`]'s rows.
const TIMED_COLUMNS: &str = "object_id, seq, \"timestamp\", dt, tag";

/// The records of the set expression `body`, each once, with their time, within the exact
/// time range: the keys joined with the same partitions of `messages` (key columns and time
/// only; the record text is not read). `indices` hold no time (format v2): a per-posting time
/// was half of the merged index's bytes, where `messages` store one time per record.
///
/// The keys of the matches are the join's build side, so the scan of `messages` is probed
/// with them (dynamic filters) instead of every message of the range being hashed: DataFusion
/// builds the left side (its join reordering is off, see the embedded engine), Trino the
/// right one (Athena's advice: the larger table on the left).
fn timed_matches(
    body: &str,
    scope: &SearchScope,
    tables: &Tables,
    dialect: Dialect,
) -> Result<String, SqlError> {
    let hits = format!("({body}) AS hits");
    let messages = format!(
        "(SELECT object_id, seq, \"timestamp\", dt FROM {} WHERE {} AND {}) AS m",
        tables.messages,
        scope.partition_filter()?,
        scope.time_filter(dialect)?,
    );
    let (left, right) = match dialect {
        Dialect::DataFusion => (hits, messages),
        Dialect::Athena => (messages, hits),
    };
    Ok(format!(
        "SELECT DISTINCT hits.object_id, hits.seq, m.\"timestamp\", hits.dt, hits.tag \
         FROM {left} JOIN {right} \
         ON m.dt = hits.dt AND m.object_id = hits.object_id AND m.seq = hits.seq"
    ))
}

/// A UTC instant as a timestamp literal both engines compare with the `timestamp` column.
pub fn timestamp_literal(timestamp_us: i64, dialect: Dialect) -> Result<String, SqlError> {
    let time = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(timestamp_us)
        .ok_or_else(|| SqlError::Unsupported(format!("time {timestamp_us} µs is out of range")))?;
    let text = time.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    Ok(match dialect {
        // DataFusion compares a UTC timestamp column with a zoned literal without surprises.
        Dialect::DataFusion => format!("TIMESTAMP '{text}+00:00'"),
        Dialect::Athena => format!("TIMESTAMP '{text}'"),
    })
}

/// Which rows of the ordered lookup a statement returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    /// Rows skipped.
    pub offset: usize,
    /// Rows returned at most (`None`: all).
    pub limit: Option<usize>,
}

/// The rendered index lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSql {
    /// The statement; columns `object_id`, `seq`, `timestamp`, `dt`, `tag`, newest first.
    pub sql: String,
    /// True when every returned record matches the query; false when it is a superset.
    pub exact: bool,
}

/// Renders the index lookup for `query`: the keys of the matching records (each once) within
/// the exact time range, newest first (ties by object and record number, so the order is
/// total and pages are stable), optionally one window of them.
pub fn index_sql(
    query: &Query,
    scope: &SearchScope,
    window: Window,
    tables: &Tables,
    dialect: Dialect,
) -> Result<IndexSql, SqlError> {
    let mut renderer = SetRenderer::new(scope, tables);
    let body = renderer.set(query)?;
    let mut sql = format!(
        "SELECT {TIMED_COLUMNS} FROM ({}) AS matched \
         ORDER BY \"timestamp\" DESC, object_id, seq",
        timed_matches(&body, scope, tables, dialect)?
    );
    match (dialect, window.offset, window.limit) {
        (_, 0, None) => {}
        (Dialect::DataFusion, offset, limit) => {
            if let Some(limit) = limit {
                let _ = write!(sql, " LIMIT {limit}");
            }
            if offset > 0 {
                let _ = write!(sql, " OFFSET {offset}");
            }
        }
        // Trino: OFFSET comes before LIMIT.
        (Dialect::Athena, offset, limit) => {
            if offset > 0 {
                let _ = write!(sql, " OFFSET {offset}");
            }
            if let Some(limit) = limit {
                let _ = write!(sql, " LIMIT {limit}");
            }
        }
    }
    Ok(IndexSql {
        sql,
        exact: renderer.exact,
    })
}

/// Fine time bins of a summary: a multiple of every small bucket count, so a timeline of
/// 1–10, 12, 14, 15, 18, 20, 21, 24, 28, 30, 35, 36, 40, 42, 45, 56, 60, 63, 70, 72, 84, 90,
/// 105, 120, … buckets is made of whole bins, and any other count of buckets nearly equal ones.
pub const SUMMARY_BINS: i64 = 2520;

/// Width of one summary bin of `[from_us, to_us)` in microseconds: the range divided by
/// [`SUMMARY_BINS`], rounded up (so the bins cover the range).
pub fn summary_bin_width_us(from_us: i64, to_us: i64) -> i64 {
    let span = (to_us - from_us).max(1);
    (span + SUMMARY_BINS - 1) / SUMMARY_BINS
}

/// Renders the summary of an exact query: matching records per tag and time bin (columns
/// `tag`, `bin`, `n`; bin `i` covers `[from + i·w, from + (i+1)·w)` with `w` =
/// [`summary_bin_width_us`]). Totals, per-tag counts and the timeline all come from it, exact
/// whatever the number of hits, without reading a message. `None` when the lookup is a
/// superset (phrases are counted after their check).
pub fn summary_sql(
    query: &Query,
    scope: &SearchScope,
    tables: &Tables,
    dialect: Dialect,
) -> Result<Option<String>, SqlError> {
    let mut renderer = SetRenderer::new(scope, tables);
    let body = renderer.set(query)?;
    if !renderer.exact {
        return Ok(None);
    }
    let from = scope.from_us;
    let width = summary_bin_width_us(scope.from_us, scope.to_us);
    let bin = match dialect {
        Dialect::DataFusion => format!("(CAST(\"timestamp\" AS BIGINT) - {from}) / {width}"),
        // Trino has no integer epoch of a timestamp; the double is exact once rounded. The bin
        // is floored explicitly (integer `/` is not integer division in every engine that
        // reads this dialect), exact while the quotient's spacing exceeds a double's.
        Dialect::Athena => format!(
            "CAST(floor(CAST(round(to_unixtime(\"timestamp\") * 1000000) - {from} AS DOUBLE) \
             / {width}) AS BIGINT)"
        ),
    };
    Ok(Some(format!(
        "SELECT tag, {bin} AS bin, COUNT(*) AS n FROM ({}) AS matched GROUP BY 1, 2",
        timed_matches(&body, scope, tables, dialect)?,
    )))
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
