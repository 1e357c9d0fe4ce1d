//! A stateless Athena search: its id names its query executions, and each statement carries
//! the request in a leading comment, so any process (another Lambda instance) can answer for
//! it from Athena alone.

use minerva_core::layout::Hour;
use minerva_core::query::parse;

use crate::backend::{SearchError, SearchRequest};

/// Marks the comment that carries the request.
const MARK: &str = "/* minerva-search v1 ";

/// The executions of one search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchId {
    /// An exact query: the summary and the ordered lookup.
    Exact {
        /// Execution of the summary statement.
        summary: String,
        /// Execution of the ordered index lookup.
        hits: String,
    },
    /// A phrase query: the candidate lookup (checked by the process that reads it).
    Phrase {
        /// Execution of the candidate lookup.
        candidates: String,
    },
}

/// Athena query execution ids are UUIDs.
fn is_execution_id(id: &str) -> bool {
    id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

impl SearchId {
    /// Parses an id made by [`SearchId::to_string`]; anything else is unknown.
    pub fn parse(id: &str) -> Result<SearchId, SearchError> {
        let not_found = || SearchError::NotFound(id.to_owned());
        let mut parts = id.split('.');
        let parsed = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("e"), Some(summary), Some(hits), None) => SearchId::Exact {
                summary: summary.to_owned(),
                hits: hits.to_owned(),
            },
            (Some("p"), Some(candidates), None, None) => SearchId::Phrase {
                candidates: candidates.to_owned(),
            },
            _ => return Err(not_found()),
        };
        if parsed.executions().iter().all(|e| is_execution_id(e)) {
            Ok(parsed)
        } else {
            Err(not_found())
        }
    }

    /// The execution ids, the request-carrying one first.
    pub fn executions(&self) -> Vec<&str> {
        match self {
            SearchId::Exact { summary, hits } => vec![hits, summary],
            SearchId::Phrase { candidates } => vec![candidates],
        }
    }
}

impl std::fmt::Display for SearchId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchId::Exact { summary, hits } => write!(f, "e.{summary}.{hits}"),
            SearchId::Phrase { candidates } => write!(f, "p.{candidates}"),
        }
    }
}

/// `sql` with the request in a leading comment. The request is hex-encoded JSON, so no user
/// text can end the comment.
pub fn with_request(sql: &str, request: &SearchRequest) -> String {
    let mut json = serde_json::json!({
        "q": request.query.to_string(),
        "from": request.from_us,
        "to": request.to_us,
        "tags": request.tags,
    });
    if let Some(hours) = &request.hours {
        json["h"] = hours.iter().map(|h| h.0).collect();
    }
    let json = json.to_string();
    let hex: String = json.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{MARK}{hex} */ {sql}")
}

/// The request carried by a statement made with [`with_request`].
pub fn request_of(sql: &str) -> Result<SearchRequest, SearchError> {
    let bad =
        || SearchError::Internal("an Athena statement of this search lost its request".into());
    let hex = sql
        .strip_prefix(MARK)
        .and_then(|rest| rest.split_once(" */"))
        .map(|(hex, _)| hex)
        .ok_or_else(bad)?;
    if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0))
        .collect();
    let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let query = parse(value["q"].as_str().ok_or_else(bad)?).map_err(|_| bad())?;
    let hours = match &value["h"] {
        serde_json::Value::Null => None,
        list => Some(
            list.as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|h| h.as_i64().map(Hour).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(SearchRequest {
        hours,
        query,
        from_us: value["from"].as_i64().ok_or_else(bad)?,
        to_us: value["to"].as_i64().ok_or_else(bad)?,
        tags: value["tags"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0e0a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b";
    const B: &str = "1e0a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b";

    #[test]
    fn ids_round_trip_and_junk_is_unknown() {
        let exact = SearchId::Exact {
            summary: A.into(),
            hits: B.into(),
        };
        assert_eq!(SearchId::parse(&exact.to_string()).unwrap(), exact);
        let phrase = SearchId::Phrase {
            candidates: A.into(),
        };
        assert_eq!(SearchId::parse(&phrase.to_string()).unwrap(), phrase);
        for junk in [
            "",
            "e",
            "e.x.y",
            "p.../../etc",
            &format!("e.{A}"),
            &format!("q.{A}"),
        ] {
            assert!(
                matches!(SearchId::parse(junk), Err(SearchError::NotFound(_))),
                "{junk}"
            );
        }
    }

    #[test]
    fn the_request_survives_hostile_text() {
        let request = SearchRequest {
            hours: None,
            query: parse("\"*/ DROP TABLE x; --\" user=o'brien").unwrap(),
            from_us: 1,
            to_us: 2,
            tags: vec!["a*/b".into()],
        };
        let sql = with_request("SELECT 1", &request);
        assert!(sql.ends_with(" */ SELECT 1"));
        assert_eq!(sql.matches("*/").count(), 1);
        let back = request_of(&sql).unwrap();
        assert_eq!(back.query, request.query);
        assert_eq!(
            (back.from_us, back.to_us, back.tags, back.hours),
            (1, 2, request.tags.clone(), None)
        );
        assert!(request_of("SELECT 1").is_err());
        let pruned = SearchRequest {
            hours: Some(vec![Hour(473_000), Hour(473_007)]),
            ..request
        };
        let back = request_of(&with_request("SELECT 1", &pruned)).unwrap();
        assert_eq!(back.hours, pruned.hours);
    }
}
