//! Line-by-line state for header-driven formats (CSV/TSV, W3C, VPC Flow Logs).
//!
//! Header and directive lines are records too (indexed as text), so every non-blank line of
//! the object is stored; a data line whose value count does not match the header, or whose
//! quoting is broken, is indexed as text.

use minerva_core::timestamp::{json_timestamp_priority, parse_date_and_time};

use crate::delimited::{Separator, is_vpc_header, split_values, vpc_default_fields, w3c_fields};
use crate::detect::DelimitedKind;
use crate::record::{RecordIndexer, TimestampRule};

/// Where the time is in a row.
#[derive(Debug, Clone, Copy, Default)]
enum TimeColumns {
    #[default]
    None,
    One(usize),
    DateAndTime(usize, usize),
}

/// Per-object state of a header-driven format.
#[derive(Debug)]
pub struct Tabular {
    kind: DelimitedKind,
    separator: Separator,
    timestamp_field: Option<String>,
    header: Option<Vec<String>>,
    time: TimeColumns,
    values: Vec<String>,
    seen_first_line: bool,
}

impl Tabular {
    /// Creates the state; `timestamp_field` names the time column when configured.
    pub fn new(kind: DelimitedKind, separator: Separator, timestamp_field: Option<String>) -> Self {
        Tabular {
            kind,
            separator,
            timestamp_field,
            header: None,
            time: TimeColumns::None,
            values: Vec::new(),
            seen_first_line: false,
        }
    }

    fn set_header(&mut self, header: Vec<String>) {
        self.time = self.find_time_columns(&header);
        self.header = Some(header);
    }

    fn find_time_columns(&self, header: &[String]) -> TimeColumns {
        let position = |name: &str| header.iter().position(|h| h == name);
        if let Some(field) = &self.timestamp_field {
            return position(field).map_or(TimeColumns::None, TimeColumns::One);
        }
        if let (Some(d), Some(t)) = (position("date"), position("time")) {
            return TimeColumns::DateAndTime(d, t);
        }
        header
            .iter()
            .enumerate()
            .filter_map(|(i, h)| json_timestamp_priority(h).map(|p| (p, i)))
            .min()
            .map_or(TimeColumns::None, |(_, i)| TimeColumns::One(i))
    }

    /// Indexes one non-blank line into `record`; returns the record's time if found.
    pub fn index_line(
        &mut self,
        line: &str,
        record: &mut RecordIndexer,
        rule: &TimestampRule,
    ) -> Option<i64> {
        let first = !self.seen_first_line;
        self.seen_first_line = true;
        match self.kind {
            DelimitedKind::W3c if line.starts_with('#') => {
                if let Some(fields) = w3c_fields(line) {
                    self.set_header(fields);
                }
                return record.text(line, rule);
            }
            DelimitedKind::VpcFlow if is_vpc_header(line) => {
                self.set_header(line.split_ascii_whitespace().map(str::to_owned).collect());
                return record.text(line, rule);
            }
            DelimitedKind::Csv if first => {
                let mut header = Vec::new();
                if split_values(line, self.separator, &mut header) {
                    self.set_header(header.into_iter().map(|h| h.trim().to_owned()).collect());
                }
                return record.text(line, rule);
            }
            _ => {}
        }
        let mut values = std::mem::take(&mut self.values);
        let ok = split_values(line, self.separator, &mut values);
        if ok && self.header.is_none() && self.kind == DelimitedKind::VpcFlow {
            self.set_header(vpc_default_fields(values.len()));
        }
        let time = match &self.header {
            Some(header) if ok && header.len() == values.len() => {
                record.pairs(header, &values);
                self.row_time(&values, rule)
            }
            _ => record.text(line, rule),
        };
        self.values = values;
        time
    }

    fn row_time(&self, values: &[String], rule: &TimestampRule) -> Option<i64> {
        match self.time {
            TimeColumns::None => None,
            TimeColumns::One(i) => rule.parse_value(&values[i]),
            TimeColumns::DateAndTime(d, t) => parse_date_and_time(&values[d], &values[t]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> TimestampRule {
        TimestampRule::detect(0)
    }

    #[test]
    fn w3c_uses_fields_and_date_time_columns() {
        let mut tabular = Tabular::new(DelimitedKind::W3c, Separator::Spaces, None);
        let mut record = RecordIndexer::new();
        assert_eq!(
            tabular.index_line("#Fields: date time c-ip cs-uri-stem", &mut record, &rule()),
            None
        );
        let ts = tabular.index_line(
            "2019-10-12 07:20:50 10.1.2.3 /index.html",
            &mut record,
            &rule(),
        );
        assert_eq!(ts, Some(1_570_864_850_000_000));
        // 4 values in a 4-column header: terms come from the fields.
        assert!(record.num_terms() >= 4);
    }

    #[test]
    fn vpc_without_header_uses_default_fields_and_start() {
        let mut tabular = Tabular::new(DelimitedKind::VpcFlow, Separator::Spaces, None);
        let mut record = RecordIndexer::new();
        let ts = tabular.index_line(
            "2 123456789010 eni-1 10.0.0.1 10.0.0.2 443 49152 6 10 840 1704067200 1704067260 ACCEPT OK",
            &mut record,
            &rule(),
        );
        assert_eq!(ts, Some(1_704_067_200_000_000));
    }

    #[test]
    fn csv_mismatched_rows_are_text() {
        let mut tabular = Tabular::new(DelimitedKind::Csv, Separator::Quoted(b','), None);
        let mut record = RecordIndexer::new();
        tabular.index_line("timestamp,user", &mut record, &rule());
        assert_eq!(
            tabular.index_line("2024-01-01T00:00:00Z,bob", &mut record, &rule()),
            Some(1_704_067_200_000_000)
        );
        tabular.index_line("just some text", &mut record, &rule());
        assert_eq!(record.num_terms(), 3);
    }
}
