//! Decoding the rows of the search's statements into candidates, hits and summaries.

use std::collections::HashMap;
use std::sync::Arc;

use crate::backend::{Candidate, Hit, SearchError, SearchRequest, Summary};
use crate::sql_engine::{Cell, Rows};

/// Shares equal strings between candidates.
#[derive(Default)]
pub struct Interner(HashMap<String, Arc<str>>);

impl Interner {
    /// The shared copy of `text`.
    pub fn get(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.0.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.0.insert(text.to_owned(), shared.clone());
        shared
    }
}

fn bad(what: &str) -> SearchError {
    SearchError::Internal(format!("unexpected column types in the {what}"))
}

fn text<'a>(row: &'a [Cell], i: usize, what: &str) -> Result<&'a str, SearchError> {
    row.get(i).and_then(Cell::as_text).ok_or_else(|| bad(what))
}

fn int(row: &[Cell], i: usize, what: &str) -> Result<i64, SearchError> {
    row.get(i).and_then(Cell::as_int).ok_or_else(|| bad(what))
}

fn timestamp(row: &[Cell], i: usize, what: &str) -> Result<i64, SearchError> {
    row.get(i)
        .and_then(Cell::as_timestamp)
        .ok_or_else(|| bad(what))
}

/// Rows `object_id, seq, timestamp, dt, tag` of an index lookup.
pub fn decode_candidates(
    rows: &Rows,
    strings: &mut Interner,
) -> Result<Vec<Candidate>, SearchError> {
    const WHAT: &str = "index lookup";
    rows.rows
        .iter()
        .map(|row| {
            Ok(Candidate {
                object_id: strings.get(text(row, 0, WHAT)?),
                seq: int(row, 1, WHAT)?,
                timestamp_us: timestamp(row, 2, WHAT)?,
                dt: strings.get(text(row, 3, WHAT)?),
                tag: strings.get(text(row, 4, WHAT)?),
            })
        })
        .collect()
}

/// Rows `tag, timestamp, object_id, seq, source, message, raw, dt` of a message fetch.
pub fn decode_hits(rows: &Rows, out: &mut Vec<Hit>) -> Result<(), SearchError> {
    const WHAT: &str = "message fetch";
    for row in &rows.rows {
        out.push(Hit {
            tag: text(row, 0, WHAT)?.to_owned(),
            timestamp_us: timestamp(row, 1, WHAT)?,
            object_id: text(row, 2, WHAT)?.to_owned(),
            seq: int(row, 3, WHAT)?,
            source: text(row, 4, WHAT)?.to_owned(),
            message: text(row, 5, WHAT)?.to_owned(),
            raw: match row.get(6) {
                Some(Cell::Bytes(bytes)) => Some(bytes.clone()),
                Some(Cell::Null) | None => None,
                Some(_) => return Err(bad(WHAT)),
            },
        });
    }
    Ok(())
}

/// Rows `tag, bin, n` of a summary statement.
pub fn decode_summary(rows: &Rows, request: &SearchRequest) -> Result<Summary, SearchError> {
    const WHAT: &str = "summary";
    let mut summary = Summary::new(request.from_us, request.to_us);
    for row in &rows.rows {
        let n = int(row, 2, WHAT)?;
        summary.add(text(row, 0, WHAT)?, int(row, 1, WHAT)?, n.max(0) as u64);
    }
    Ok(summary)
}
