//! `GET /api/v1/search/{id}/export`: the whole result, streamed page by page.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::{StreamExt, stream};
use minerva_search::{Hit, rfc3339};

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use crate::model::{ExportFormat, ExportParams};
use crate::search::query_params;

/// Streams every hit of a succeeded search as JSON lines or CSV.
#[utoipa::path(get, path = "/search/{id}/export", tag = "search",
    params(("id" = String, Path, description = "Search id"), ExportParams),
    responses(
        (status = 200, description = "The whole result, newest first",
            content(("application/x-ndjson"), ("text/csv"))),
        (status = 400, description = "Bad format", body = ErrorBody),
        (status = 401, description = "Missing or wrong token", body = ErrorBody),
        (status = 404, description = "Unknown or expired search", body = ErrorBody),
        (status = 409, description = "The search has not succeeded", body = ErrorBody),
    ))]
pub async fn export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let format = query_params(params)?.format.unwrap_or(ExportFormat::Jsonl);
    // Fail before the 200 if the search cannot be exported; then every hit once, page by
    // page (memory bounded by one page).
    let hits = state.backend.hits(&id).await?;
    let header_line = (format == ExportFormat::Csv)
        .then(|| Bytes::from_static(b"timestamp,tag,source,seq,object_id,message\r\n"));
    let pages = hits.map(move |page| match page {
        Ok(hits) => Ok(encode(&hits, format)),
        Err(error) => Err(std::io::Error::other(error.to_string())),
    });
    let body = match header_line {
        Some(h) => Body::from_stream(futures::StreamExt::chain(
            stream::once(async move { Ok::<Bytes, std::io::Error>(h) }),
            pages,
        )),
        None => Body::from_stream(pages),
    };
    let (content_type, extension) = match format {
        ExportFormat::Jsonl => ("application/x-ndjson", "jsonl"),
        ExportFormat::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(disposition) = HeaderValue::from_str(&format!(
        "attachment; filename=\"minerva-export.{extension}\""
    )) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    Ok(response)
}

fn encode(hits: &[Hit], format: ExportFormat) -> Bytes {
    let mut out = Vec::with_capacity(hits.iter().map(|h| h.message.len() + 128).sum());
    for hit in hits {
        match format {
            ExportFormat::Jsonl => {
                out.extend_from_slice(hit.to_json().to_string().as_bytes());
                out.push(b'\n');
            }
            ExportFormat::Csv => {
                let fields = [
                    rfc3339(hit.timestamp_us),
                    hit.tag.clone(),
                    hit.source.clone(),
                    hit.seq.to_string(),
                    hit.object_id.clone(),
                    hit.message.clone(),
                ];
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    csv_field(field, &mut out);
                }
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    Bytes::from(out)
}

/// Writes one RFC 4180 field; a leading `=`, `+`, `-` or `@` is prefixed with `'` so that a
/// spreadsheet does not run attacker-controlled log text as a formula.
fn csv_field(text: &str, out: &mut Vec<u8>) {
    let formula = text.starts_with(['=', '+', '-', '@']);
    let quote = formula || text.contains([',', '"', '\r', '\n']);
    if !quote {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    out.push(b'"');
    if formula {
        out.push(b'\'');
    }
    for b in text.bytes() {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> String {
        let mut out = Vec::new();
        csv_field(text, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "\"'-1\"");
    }
}
