//! The search itself, written once for every engine (see [`SqlEngine`]): count the matches
//! (an aggregate over the index for exact queries; a lookup plus an exact check of each
//! candidate's message for phrases), then fetch pages of hits by their keys.
//!
//! Statements come from `minerva_core::sql`; rows are decoded in [`rows`].

pub mod rows;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use minerva_core::query::Query;
use minerva_core::sql::{
    HitKey, IndexSql, SearchScope, Window, fields_sql, index_sql, messages_sql, summary_sql,
};
use minerva_core::verify::{RecordTokens, matches};

use crate::backend::{Candidate, FieldCount, Hit, ReadStats, SearchError, SearchRequest, Summary};
use crate::sql_engine::SqlEngine;
use rows::{Interner, decode_candidates, decode_hits, decode_summary};

/// Most candidates of a phrase search that are checked against their messages; a search with
/// more says so (`truncated`) and counts only the checked ones.
pub const CHECK_LIMIT: usize = 200_000;

/// The index lookup of `request` (one tag only with `tag`), as `engine` speaks it.
pub fn lookup_sql(
    engine: &dyn SqlEngine,
    request: &SearchRequest,
    window: Window,
    tag: Option<&str>,
) -> Result<IndexSql, SearchError> {
    Ok(index_sql(
        &request.query,
        &request.scope_with_tag(tag),
        window,
        engine.tables(),
        engine.dialect(),
    )?)
}

/// The summary statement of `request` (`None` for phrase searches, counted after the check).
pub fn summary_statement(
    engine: &dyn SqlEngine,
    request: &SearchRequest,
) -> Result<Option<String>, SearchError> {
    Ok(summary_sql(
        &request.query,
        &request.scope(),
        engine.tables(),
        engine.dialect(),
    )?)
}

/// The lookup that returns the candidates of a phrase search: at most one more than
/// [`CHECK_LIMIT`], so a larger result is known to be cut.
pub fn candidates_statement(
    engine: &dyn SqlEngine,
    request: &SearchRequest,
) -> Result<String, SearchError> {
    let window = Window {
        offset: 0,
        limit: Some(CHECK_LIMIT + 1),
    };
    Ok(lookup_sql(engine, request, window, None)?.sql)
}

/// The statements a search sends before its first page.
pub fn first_statements(
    engine: &dyn SqlEngine,
    request: &SearchRequest,
) -> Result<Vec<String>, SearchError> {
    request.validate()?;
    Ok(match summary_statement(engine, request)? {
        Some(summary) => vec![
            summary,
            lookup_sql(engine, request, Window::default(), None)?.sql,
        ],
        None => vec![candidates_statement(engine, request)?],
    })
}

/// The matches of a phrase search, checked one by one.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The records that really match, newest first.
    pub hits: Vec<Candidate>,
    /// Candidates the lookup returned.
    pub candidates: usize,
    /// True when the lookup returned more than [`CHECK_LIMIT`] candidates (only the newest
    /// were checked).
    pub truncated: bool,
}

impl Checked {
    /// The matches of one tag (all with `None`).
    pub fn of_tag<'a>(&'a self, tag: Option<&'a str>) -> impl Iterator<Item = &'a Candidate> {
        self.hits
            .iter()
            .filter(move |c| tag.is_none_or(|t| &*c.tag == t))
    }

    /// The exact counts of the checked matches.
    pub fn summary(&self, request: &SearchRequest) -> Summary {
        let mut summary = Summary::new(request.from_us, request.to_us);
        for hit in &self.hits {
            summary.add_timestamp(&hit.tag, hit.timestamp_us);
        }
        summary
    }
}

/// What counting a search found.
#[derive(Debug, Clone)]
pub struct Counted {
    /// Exact counts per tag and time bin.
    pub summary: Summary,
    /// For phrase searches: the checked matches (pages come from them).
    pub checked: Option<Checked>,
    /// What it read.
    pub read: ReadStats,
    /// Time taken.
    pub elapsed: Duration,
}

/// Counts the matches of `request`: one aggregate statement for an exact query; for a phrase,
/// the candidate lookup and an exact check of each candidate's message.
pub async fn count(
    engine: &dyn SqlEngine,
    request: &SearchRequest,
) -> Result<Counted, SearchError> {
    let started = Instant::now();
    request.validate()?;
    let mut read = ReadStats::default();
    if let Some(sql) = summary_statement(engine, request)? {
        let rows = engine.query(&sql).await?;
        read += rows.read;
        return Ok(Counted {
            summary: decode_summary(&rows, request)?,
            checked: None,
            read,
            elapsed: started.elapsed(),
        });
    }
    let rows = engine
        .query(&candidates_statement(engine, request)?)
        .await?;
    read += rows.read;
    let candidates = decode_candidates(&rows, &mut Interner::default())?;
    let (checked, check_read) = check(engine, &request.query, candidates).await?;
    read += check_read;
    Ok(Counted {
        summary: checked.summary(request),
        checked: Some(checked),
        read,
        elapsed: started.elapsed(),
    })
}

/// Keeps the candidates (newest first, at most [`CHECK_LIMIT`] + 1) whose message really
/// matches `query` (phrases: adjacent tokens).
pub async fn check(
    engine: &dyn SqlEngine,
    query: &Query,
    mut candidates: Vec<Candidate>,
) -> Result<(Checked, ReadStats), SearchError> {
    let found = candidates.len();
    let truncated = found > CHECK_LIMIT;
    candidates.truncate(CHECK_LIMIT);
    let mut kept = Vec::with_capacity(candidates.len());
    let mut read = ReadStats::default();
    for chunk in candidates.chunks(engine.fetch_batch().max(1)) {
        let keys: Vec<HitKey> = chunk.iter().map(Candidate::key).collect();
        let (messages, fetch_read) = fetch(engine, &keys).await?;
        read += fetch_read;
        let by_key: HashMap<(&str, i64), &Hit> = messages
            .iter()
            .map(|h| ((h.object_id.as_str(), h.seq), h))
            .collect();
        for candidate in chunk {
            let hit = by_key.get(&(&*candidate.object_id, candidate.seq));
            if hit.is_some_and(|h| matches(query, &RecordTokens::from_message(&h.message))) {
                kept.push(candidate.clone());
            }
        }
    }
    let checked = Checked {
        hits: kept,
        candidates: found,
        truncated,
    };
    Ok((checked, read))
}

/// One window of the matches of an exact query (of one tag with `tag`), newest first.
pub async fn window_keys(
    engine: &dyn SqlEngine,
    request: &SearchRequest,
    offset: usize,
    limit: usize,
    tag: Option<&str>,
) -> Result<Vec<Candidate>, SearchError> {
    let window = Window {
        offset,
        limit: Some(limit),
    };
    let lookup = lookup_sql(engine, request, window, tag)?;
    let rows = engine.query(&lookup.sql).await?;
    decode_candidates(&rows, &mut Interner::default())
}

/// Fetches the messages of `keys` (in any order; each record once).
pub async fn fetch(
    engine: &dyn SqlEngine,
    keys: &[HitKey],
) -> Result<(Vec<Hit>, ReadStats), SearchError> {
    let mut hits = Vec::with_capacity(keys.len());
    let mut read = ReadStats::default();
    for chunk in keys.chunks(engine.fetch_batch().max(1)) {
        let sql = messages_sql(chunk, engine.tables(), engine.dialect())?;
        let rows = engine.query(&sql).await?;
        read += rows.read;
        decode_hits(&rows, &mut hits)?;
    }
    hits.sort_by(|a, b| (&a.object_id, a.seq).cmp(&(&b.object_id, b.seq)));
    hits.dedup_by(|a, b| a.object_id == b.object_id && a.seq == b.seq);
    Ok((hits, read))
}

/// Fetches the messages of `window`, in that order.
pub async fn fetch_in_order<'a>(
    engine: &dyn SqlEngine,
    window: impl IntoIterator<Item = &'a Candidate>,
) -> Result<Vec<Hit>, SearchError> {
    let window: Vec<&Candidate> = window.into_iter().collect();
    let keys: Vec<HitKey> = window.iter().map(|c| c.key()).collect();
    let (fetched, _) = fetch(engine, &keys).await?;
    let mut by_key: HashMap<(String, i64), Hit> = fetched
        .into_iter()
        .map(|h| ((h.object_id.clone(), h.seq), h))
        .collect();
    Ok(window
        .iter()
        .filter_map(|c| by_key.remove(&(c.object_id.to_string(), c.seq)))
        .collect())
}

/// The field census of `[from_us, to_us)` on any engine.
pub async fn fields(
    engine: &dyn SqlEngine,
    from_us: i64,
    to_us: i64,
    limit: usize,
) -> Result<Vec<FieldCount>, SearchError> {
    if to_us <= from_us {
        return Err(SearchError::BadRequest(
            "the time range is empty (end <= start)".into(),
        ));
    }
    let scope = SearchScope::new(from_us, to_us);
    let sql = fields_sql(
        scope.first_hour(),
        scope.last_hour(),
        limit,
        engine.tables(),
        engine.dialect(),
    )?;
    let rows = engine.query(&sql).await?;
    Ok(rows
        .rows
        .iter()
        .filter_map(|row| {
            let name = row.first()?.as_text()?;
            let count = row.get(1)?.as_int()?;
            Some(FieldCount {
                name: name.to_owned(),
                count: count.max(0) as u64,
            })
        })
        .collect())
}
