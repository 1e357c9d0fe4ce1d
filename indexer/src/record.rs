//! Turns one record into its (field, term) pairs and its timestamp.
//!
//! Terms are collected into a scratch area first, because the record's hour (and so the buffer
//! that receives them) is only known once the whole record has been read.

use minerva_core::json::{JsonError, JsonFlattener, Leaf};
use minerva_core::partition::PartitionBuffer;
use minerva_core::timestamp::{
    TimestampFormat, json_timestamp_priority, parse_text_timestamp, parse_timestamp_value,
};
use minerva_core::tokenizer::Tokenizer;

/// How a record's time is found.
#[derive(Debug, Clone)]
pub struct TimestampRule {
    /// Field holding the time (JSON path or column name); `None` tries the well-known ones.
    pub field: Option<String>,
    /// How the time is written; `None` detects it.
    pub format: Option<TimestampFormat>,
    /// The object's own time: supplies the year for yearless formats.
    pub object_time_us: i64,
}

impl TimestampRule {
    /// Detects the time in well-known fields and formats; `object_time_us` supplies the year
    /// for yearless formats.
    pub fn detect(object_time_us: i64) -> Self {
        TimestampRule {
            field: None,
            format: None,
            object_time_us,
        }
    }

    /// Parses a field value with the configured format (or detection).
    pub fn parse_value(&self, text: &str) -> Option<i64> {
        match &self.format {
            Some(format) => format.parse_value(text, self.object_time_us),
            None => parse_timestamp_value(text),
        }
    }

    /// Finds the time in a plain-text line.
    pub fn parse_text(&self, line: &str) -> Option<i64> {
        match &self.format {
            Some(format) => format.parse_text_prefix(line, self.object_time_us),
            None => parse_text_timestamp(line, self.object_time_us),
        }
    }
}

/// (field slot, term start, term end) into the scratch arenas.
type TermRef = (u32, u32, u32);

/// Reusable state for indexing records; one per worker.
#[derive(Debug, Default)]
pub struct RecordIndexer {
    tokenizer: Tokenizer,
    flattener: JsonFlattener,
    field_arena: String,
    fields: Vec<(u32, u32)>,
    term_arena: String,
    terms: Vec<TermRef>,
    time_candidates: Vec<(usize, String)>,
}

impl RecordIndexer {
    /// Creates an indexer.
    pub fn new() -> Self {
        Self::default()
    }

    fn clear(&mut self) {
        self.field_arena.clear();
        self.fields.clear();
        self.term_arena.clear();
        self.terms.clear();
        self.time_candidates.clear();
    }

    /// Tokenizes `value` under `field`.
    fn add_value(&mut self, field: &str, value: &str) {
        let start = self.field_arena.len() as u32;
        self.field_arena.push_str(field);
        let slot = self.fields.len() as u32;
        self.fields.push((start, self.field_arena.len() as u32));
        let arena = &mut self.term_arena;
        let terms = &mut self.terms;
        self.tokenizer.tokenize(value, &mut |token: &str| {
            let start = arena.len() as u32;
            arena.push_str(token);
            terms.push((slot, start, arena.len() as u32));
        });
    }

    /// Flattens a JSON record. On success returns its time (if found); on error the scratch is
    /// cleared and the caller indexes the record as text.
    pub fn json(&mut self, bytes: &[u8], rule: &TimestampRule) -> Result<Option<i64>, JsonError> {
        self.clear();
        let mut flattener = std::mem::take(&mut self.flattener);
        let wanted = rule.field.as_deref();
        let result = flattener.flatten(bytes, &mut |path: &str, leaf: Leaf<'_>| {
            let priority = match wanted {
                Some(field) => (field == path).then_some(0),
                None => json_timestamp_priority(path),
            };
            if let Some(priority) = priority
                && matches!(leaf, Leaf::Str(_) | Leaf::Number(_))
            {
                self.time_candidates
                    .push((priority, leaf.text().to_owned()));
            }
            self.add_value(path, leaf.text());
        });
        self.flattener = flattener;
        if let Err(e) = result {
            self.clear();
            return Err(e);
        }
        self.time_candidates.sort_by_key(|(priority, _)| *priority);
        Ok(self
            .time_candidates
            .iter()
            .find_map(|(_, text)| rule.parse_value(text)))
    }

    /// Indexes a plain-text record under field `""`; returns its time (if found).
    pub fn text(&mut self, text: &str, rule: &TimestampRule) -> Option<i64> {
        self.clear();
        self.add_value("", text);
        rule.parse_text(text)
    }

    /// Indexes named values (CSV, W3C, VPC Flow Logs). `-` and empty values add nothing.
    pub fn pairs(&mut self, names: &[String], values: &[String]) {
        self.clear();
        for (name, value) in names.iter().zip(values) {
            if !value.is_empty() && value != "-" {
                self.add_value(name, value);
            }
        }
    }

    /// Moves the collected pairs into `buffer`'s current record.
    pub fn drain_into(&mut self, buffer: &mut PartitionBuffer) {
        let mut current: Option<(u32, u32)> = None; // (slot, field id)
        for &(slot, start, end) in &self.terms {
            let field = match current {
                Some((s, id)) if s == slot => id,
                _ => {
                    let (fstart, fend) = self.fields[slot as usize];
                    let id = buffer.field_id(&self.field_arena[fstart as usize..fend as usize]);
                    current = Some((slot, id));
                    id
                }
            };
            buffer.add_term_in_field(field, &self.term_arena[start as usize..end as usize]);
        }
    }

    /// Number of terms collected for the current record.
    pub fn num_terms(&self) -> usize {
        self.terms.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> TimestampRule {
        TimestampRule::detect(0)
    }

    fn pairs(indexer: &RecordIndexer) -> Vec<(String, String)> {
        indexer
            .terms
            .iter()
            .map(|&(slot, s, e)| {
                let (fs, fe) = indexer.fields[slot as usize];
                (
                    indexer.field_arena[fs as usize..fe as usize].to_owned(),
                    indexer.term_arena[s as usize..e as usize].to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn json_record_gives_field_terms_and_time() {
        let mut indexer = RecordIndexer::new();
        let ts = indexer
            .json(
                br#"{"eventTime":"2019-11-01T05:06:07Z","userIdentity":{"userName":"Alice"},"n":1571630400}"#,
                &rule(),
            )
            .unwrap();
        assert_eq!(ts, Some(1_572_584_767_000_000));
        let got = pairs(&indexer);
        assert!(got.contains(&("userIdentity.userName".into(), "alice".into())));
        assert!(got.contains(&("n".into(), "1571630400".into())));
    }

    #[test]
    fn configured_field_wins() {
        let mut indexer = RecordIndexer::new();
        let rule = TimestampRule {
            field: Some("when".into()),
            ..rule()
        };
        let ts = indexer.json(
            br#"{"time":"2001-01-01T00:00:00Z","when":1000000000}"#,
            &rule,
        );
        assert_eq!(ts.unwrap(), Some(1_000_000_000_000_000));
    }

    #[test]
    fn invalid_json_clears_scratch() {
        let mut indexer = RecordIndexer::new();
        assert!(indexer.json(br#"{"a":"x","b":"#, &rule()).is_err());
        assert_eq!(indexer.num_terms(), 0);
        indexer.text("{\"a\":\"x\",\"b\":", &rule());
        assert_eq!(
            pairs(&indexer),
            [
                ("".into(), "a".into()),
                ("".into(), "x".into()),
                ("".into(), "b".into())
            ]
        );
    }

    #[test]
    fn pairs_skip_dashes() {
        let mut indexer = RecordIndexer::new();
        let names = vec!["srcaddr".to_owned(), "action".to_owned()];
        indexer.pairs(&names, &["-".to_owned(), "ACCEPT".to_owned()]);
        assert_eq!(pairs(&indexer), [("action".into(), "accept".into())]);
    }
}
