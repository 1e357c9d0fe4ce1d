//! Detecting how an object's records are laid out, from its first bytes (never its name).

use minerva_core::json::{JsonFlattener, Leaf, document_records};

use crate::config::Format;
use crate::delimited::{Separator, detect_csv, is_vpc_header, is_vpc_record, is_w3c_directive};
use crate::lines::BOM;

/// Kinds of header-driven text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelimitedKind {
    /// CSV/TSV: the first line is the header.
    Csv,
    /// W3C extended log: `#Fields:` directives give the columns.
    W3c,
    /// VPC Flow Logs: a header line, or the default field order.
    VpcFlow,
}

/// How an object is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One JSON document: an array of records, `{"Records":[…]}`, or one (pretty-printed)
    /// record. Falls back to lines when the document does not parse.
    Document,
    /// Lines; a line that starts with `{` is tried as JSON, anything else is text.
    JsonOrText,
    /// Lines, all indexed as text.
    Text,
    /// Lines of separated values.
    Delimited(DelimitedKind, Separator),
}

impl Layout {
    /// The tag to use when neither the config nor the command line names one.
    pub fn detected_tag(self, head: &[u8]) -> Option<&'static str> {
        match self {
            Layout::Delimited(DelimitedKind::VpcFlow, _) => Some("aws.vpcflow"),
            Layout::Delimited(DelimitedKind::W3c, _) => Some("w3c"),
            Layout::Document
                if contains(head, b"\"Records\"") && contains(head, b"\"eventSource\"") =>
            {
                Some("aws.cloudtrail")
            }
            // CloudTrail records one per line (CloudTrail Lake exports, log shippers).
            Layout::JsonOrText if is_cloudtrail_record(first_line(head)) => Some("aws.cloudtrail"),
            _ => None,
        }
    }
}

fn first_line(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(BOM).unwrap_or(head).trim_ascii_start();
    memchr::memchr(b'\n', head).map_or(head, |end| &head[..end])
}

fn is_cloudtrail_record(line: &[u8]) -> bool {
    line.starts_with(b"{")
        && [
            &b"\"eventVersion\""[..],
            b"\"eventSource\"",
            b"\"awsRegion\"",
            b".amazonaws.com\"",
        ]
        .iter()
        .all(|marker| contains(line, marker))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn line_at(body: &[u8], start: usize) -> (Option<&[u8]>, usize) {
    if start >= body.len() {
        return (None, body.len());
    }
    match memchr::memchr(b'\n', &body[start..]) {
        Some(i) => {
            let line = &body[start..start + i];
            (
                Some(line.strip_suffix(b"\r").unwrap_or(line)),
                start + i + 1,
            )
        }
        None => (Some(&body[start..]), body.len()),
    }
}

fn is_valid_json(bytes: &[u8]) -> bool {
    JsonFlattener::new()
        .flatten(bytes, &mut |_: &str, _: Leaf<'_>| {})
        .is_ok()
}

/// Chooses the layout of an object from its head (`head_is_all`: the head is the whole object).
pub fn detect(format: Format, head: &[u8], head_is_all: bool) -> Layout {
    let body = head.strip_prefix(BOM).unwrap_or(head);
    let (first, next) = line_at(body, 0);
    let first = first.unwrap_or_default();
    let first_complete = next < body.len() || head_is_all;
    let second = line_at(body, next).0;
    let first_text = String::from_utf8_lossy(first);
    let second_text = second.map(String::from_utf8_lossy);
    match format {
        Format::Text => return Layout::Text,
        Format::Csv => return Layout::Delimited(DelimitedKind::Csv, Separator::Quoted(b',')),
        Format::Tsv => return Layout::Delimited(DelimitedKind::Csv, Separator::Quoted(b'\t')),
        Format::W3c => return Layout::Delimited(DelimitedKind::W3c, Separator::Spaces),
        Format::VpcFlow => return Layout::Delimited(DelimitedKind::VpcFlow, Separator::Spaces),
        Format::Json | Format::Auto => {}
    }
    let first_byte = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first_byte {
        Some(b'[') => return Layout::Document,
        Some(b'{') => {
            let trimmed = first.trim_ascii();
            if first_complete && trimmed.starts_with(b"{") && is_valid_json(trimmed) {
                return if document_records(trimmed).is_some() {
                    Layout::Document
                } else {
                    Layout::JsonOrText
                };
            }
            // A pretty-printed document, a first line longer than the head, or broken JSON.
            return Layout::Document;
        }
        _ => {}
    }
    if format == Format::Json {
        return Layout::JsonOrText;
    }
    if is_w3c_directive(&first_text) {
        return Layout::Delimited(DelimitedKind::W3c, Separator::Spaces);
    }
    if is_vpc_header(&first_text) || is_vpc_record(&first_text) {
        return Layout::Delimited(DelimitedKind::VpcFlow, Separator::Spaces);
    }
    if let Some(sep) = detect_csv(&first_text, second_text.as_deref()) {
        return Layout::Delimited(DelimitedKind::Csv, Separator::Quoted(sep));
    }
    Layout::JsonOrText
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(head: &str) -> Layout {
        detect(Format::Auto, head.as_bytes(), true)
    }

    #[test]
    fn detects_layouts_from_content() {
        assert_eq!(auto("{\"a\":1}\n{\"a\":2}\n"), Layout::JsonOrText);
        assert_eq!(auto("\u{feff}{\"a\":1}\n"), Layout::JsonOrText);
        assert_eq!(
            auto("{\"Records\":[{\"eventSource\":\"s3\"}]}"),
            Layout::Document
        );
        assert_eq!(auto("[{\"a\":1},{\"a\":2}]"), Layout::Document);
        assert_eq!(auto("{\n  \"a\": 1\n}\n"), Layout::Document);
        assert_eq!(
            auto("Jun 14 15:16:01 combo sshd[1]: hi\n"),
            Layout::JsonOrText
        );
        assert_eq!(
            auto("#Software: IIS\n#Fields: date time c-ip\n2019-01-01 00:00:00 1.2.3.4\n"),
            Layout::Delimited(DelimitedKind::W3c, Separator::Spaces)
        );
        assert_eq!(
            auto("version account-id interface-id srcaddr\n2 1 eni-1 1.2.3.4\n"),
            Layout::Delimited(DelimitedKind::VpcFlow, Separator::Spaces)
        );
        assert_eq!(
            auto("a,b,c\n1,2,3\n"),
            Layout::Delimited(DelimitedKind::Csv, Separator::Quoted(b','))
        );
        assert_eq!(auto(""), Layout::JsonOrText);
        assert_eq!(auto("\0\u{1}binary\n"), Layout::JsonOrText);
    }

    #[test]
    fn format_override_wins() {
        assert_eq!(detect(Format::Text, b"{\"a\":1}\n", true), Layout::Text);
        assert_eq!(detect(Format::Json, b"plain\n", true), Layout::JsonOrText);
        assert_eq!(
            detect(Format::Tsv, b"x\n", true),
            Layout::Delimited(DelimitedKind::Csv, Separator::Quoted(b'\t'))
        );
    }

    #[test]
    fn cloudtrail_documents_get_their_tag() {
        let head = b"{\"Records\":[{\"eventSource\":\"s3.amazonaws.com\"}]}";
        let layout = detect(Format::Auto, head, true);
        assert_eq!(layout.detected_tag(head), Some("aws.cloudtrail"));
        assert_eq!(Layout::JsonOrText.detected_tag(head), None);
    }

    #[test]
    fn cloudtrail_records_in_json_lines_get_their_tag() {
        let line = br#"{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1"}"#;
        let head = [&line[..], b"\n", &line[..], b"\n"].concat();
        let layout = detect(Format::Auto, &head, true);
        assert_eq!(layout, Layout::JsonOrText);
        assert_eq!(layout.detected_tag(&head), Some("aws.cloudtrail"));
        let other = br#"{"eventSource":"app","eventVersion":"1","awsRegion":"x"}"#;
        assert_eq!(Layout::JsonOrText.detected_tag(other), None);
        assert_eq!(Layout::Text.detected_tag(&head), None);
    }
}
