//! Indexes one source object: reads its records, buffers rows per hour within a memory budget,
//! and hands encoded Parquet files to a sink.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use minerva_core::json::document_records;
use minerva_core::layout::{Hour, ObjectId, Table, data_file_name};
use minerva_core::partition::{ObjectColumns, PartitionBuffer};

use crate::config::SourceOverrides;
use crate::detect::{Layout, detect};
use crate::encode::encode_part;
use crate::error::IndexError;
use crate::lines::{BOM, LineReader, is_blank, open};
use crate::progress::Progress;
use crate::record::{RecordIndexer, TimestampRule};
use crate::report::ObjectReport;
use crate::tabular::Tabular;

/// Largest JSON document read whole (an array of records, or CloudTrail's `{"Records":[…]}`).
/// A larger one is indexed line by line instead.
pub const MAX_DOCUMENT_BYTES: usize = 128 * 1024 * 1024;

/// Where encoded files go.
pub trait FileSink {
    /// Stores `bytes` under `key` (relative to the data prefix, e.g.
    /// `messages/dt=2024-01-01-00/{object_id}-0000.parquet`).
    fn put(&mut self, key: &str, bytes: Vec<u8>) -> Result<(), IndexError>;

    /// Deletes the part files of `object_id` numbered `first_stale` or higher in the folder
    /// `dir` (e.g. `indices/dt=2024-01-01-00`): left over from an earlier run of the same object
    /// that needed more parts (a smaller memory budget).
    fn remove_parts_from(
        &mut self,
        dir: &str,
        object_id: &ObjectId,
        first_stale: u32,
    ) -> Result<(), IndexError>;
}

/// What is known about an object before it is read.
#[derive(Debug, Clone)]
pub struct SourceObject {
    /// URI written to the `source` column (`file:///…` or `s3://bucket/key`).
    pub uri: String,
    /// Identity derived from the object's version.
    pub id: ObjectId,
    /// The object's time (mtime or event time), microseconds: used when a record has none.
    pub time_us: i64,
    /// A date in the object's key or path (the end of that day, microseconds): the year of
    /// records that carry none is taken from it rather than from `time_us`.
    pub key_date_us: Option<i64>,
    /// Tag when neither the overrides nor detection give one (from the file name).
    pub fallback_tag: String,
    /// Per-source settings.
    pub overrides: SourceOverrides,
    /// Record number of the object's first line: 0, or the lines before an appended tail
    /// indexed on its own (`minerva serve --watch`).
    pub first_seq: i64,
}

struct HourState {
    buffer: PartitionBuffer,
    next_part: u32,
}

/// Indexes the records of one object.
pub struct ObjectIndexer<'a> {
    object: &'a SourceObject,
    tag: String,
    sink: &'a mut dyn FileSink,
    progress: &'a Progress,
    budget_bytes: usize,
    rule: TimestampRule,
    record: RecordIndexer,
    hours: BTreeMap<Hour, HourState>,
    /// Records before the first one with a time of its own; they take that record's time.
    leading_untimed: PartitionBuffer,
    /// Time of the latest record that had one; later records without a time (continuation
    /// lines such as stack traces) take it.
    last_time_us: Option<i64>,
    report: ObjectReport,
    since_budget_check: usize,
    unreported_bytes: u64,
    unreported_records: u64,
}

impl<'a> ObjectIndexer<'a> {
    /// Indexes everything `raw` yields; never panics on content and always returns a report
    /// (a read or write failure is recorded in it).
    pub fn run(
        object: &'a SourceObject,
        raw: Box<dyn Read + Send>,
        sink: &'a mut dyn FileSink,
        progress: &'a Progress,
        budget_bytes: usize,
    ) -> ObjectReport {
        let mut indexer = ObjectIndexer {
            object,
            tag: String::new(),
            sink,
            progress,
            budget_bytes,
            rule: TimestampRule {
                field: object.overrides.timestamp_field.clone(),
                format: object.overrides.timestamp_format.clone(),
                object_time_us: object.key_date_us.unwrap_or(object.time_us),
            },
            record: RecordIndexer::new(),
            hours: BTreeMap::new(),
            leading_untimed: PartitionBuffer::new(),
            last_time_us: None,
            report: ObjectReport::new(&object.uri),
            since_budget_check: 0,
            unreported_bytes: 0,
            unreported_records: 0,
        };
        if let Err(e) = indexer.read_all(raw) {
            indexer.report.fail(e.to_string());
        }
        if let Err(e) = indexer.flush_all() {
            indexer.report.fail(e.to_string());
        }
        indexer.report_progress();
        indexer.report
    }

    fn read_all(&mut self, raw: Box<dyn Read + Send>) -> Result<(), IndexError> {
        let opened = open(raw).map_err(|e| self.read_error(0, &e))?;
        self.report.gzip = opened.gzip;
        let layout = detect(
            self.object.overrides.format.unwrap_or_default(),
            &opened.head,
            opened.head_is_all,
        );
        self.tag = self
            .object
            .overrides
            .tag
            .clone()
            .or_else(|| layout.detected_tag(&opened.head).map(str::to_owned))
            .unwrap_or_else(|| self.object.fallback_tag.clone());
        self.report.layout = format!("{layout:?}");
        let mut reader = opened.reader;
        if layout == Layout::Document {
            let mut doc = Vec::new();
            let read = (&mut reader)
                .take(MAX_DOCUMENT_BYTES as u64 + 1)
                .read_to_end(&mut doc);
            if read.is_ok() && doc.len() <= MAX_DOCUMENT_BYTES && self.document(&doc)? {
                return Ok(());
            }
            // Not a document of records: read the same bytes (and the rest) as lines.
            self.report.layout = format!("{:?}", Layout::JsonOrText);
            let rest: Box<dyn Read + Send> = Box::new(reader);
            return self.lines(Box::new(Cursor::new(doc).chain(rest)), layout);
        }
        self.lines(Box::new(reader), layout)
    }

    /// Indexes a whole JSON document; returns false when it is not one.
    fn document(&mut self, doc: &[u8]) -> Result<bool, IndexError> {
        let body = doc.strip_prefix(BOM).unwrap_or(doc).trim_ascii();
        if let Some(records) = document_records(body) {
            self.report.bytes += doc.len() as u64;
            self.unreported_bytes += doc.len() as u64;
            for (index, range) in records.into_iter().enumerate() {
                self.json_or_text(index as i64, &body[range])?;
            }
            return Ok(true);
        }
        // One pretty-printed record.
        let mut probe = RecordIndexer::new();
        if body.contains(&b'\n') && probe.json(body, &self.rule).is_ok() {
            self.report.bytes += doc.len() as u64;
            self.unreported_bytes += doc.len() as u64;
            self.json_or_text(0, body)?;
            return Ok(true);
        }
        Ok(false)
    }

    fn lines(&mut self, reader: Box<dyn Read + Send>, layout: Layout) -> Result<(), IndexError> {
        let mut lines = LineReader::new(std::io::BufReader::with_capacity(256 * 1024, reader));
        let mut tabular = match layout {
            Layout::Delimited(kind, separator) => {
                Some(Tabular::new(kind, separator, self.rule.field.clone()))
            }
            _ => None,
        };
        let mut buf = Vec::with_capacity(64 * 1024);
        let mut counted_bytes = 0u64;
        loop {
            if self.progress.stop_requested() {
                return Err(IndexError::Stopped {
                    source_uri: self.object.uri.clone(),
                    line: lines.lines_read(),
                });
            }
            let info = match lines.next_line(&mut buf) {
                Ok(Some(info)) => info,
                Ok(None) => break,
                Err(e) => return Err(self.read_error(lines.lines_read(), &e)),
            };
            self.report.lines += 1;
            let consumed = lines.bytes_consumed();
            self.unreported_bytes += consumed - counted_bytes;
            self.report.bytes += consumed - counted_bytes;
            counted_bytes = consumed;
            if info.truncated {
                self.report.truncated += 1;
                self.report
                    .warn(info.seq, "line longer than 64 MiB was cut");
            }
            if is_blank(&buf) {
                self.report.blank += 1;
                continue;
            }
            let seq = info.seq as i64;
            match (&mut tabular, layout) {
                (Some(tabular), _) => {
                    let (text, utf8) = as_text(&buf);
                    let ts = tabular.index_line(&text, &mut self.record, &self.rule);
                    self.emit(seq, ts, &buf, utf8)?;
                }
                (None, Layout::Text) => {
                    let (text, utf8) = as_text(&buf);
                    let ts = self.record.text(&text, &self.rule);
                    self.emit(seq, ts, &buf, utf8)?;
                }
                (None, _) => {
                    let line = std::mem::take(&mut buf);
                    let result = self.json_or_text(seq, &line);
                    buf = line;
                    result?;
                }
            }
        }
        Ok(())
    }

    /// Indexes a record as JSON when it looks like a JSON object, else (or on error) as text.
    fn json_or_text(&mut self, seq: i64, bytes: &[u8]) -> Result<(), IndexError> {
        let looks_json = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if looks_json {
            match self.record.json(bytes, &self.rule) {
                // A valid JSON text is valid UTF-8: no need to check the bytes again.
                Ok(ts) => return self.emit(seq, ts, bytes, true),
                Err(e) => {
                    self.report.unparsed += 1;
                    self.report
                        .warn(seq as u64, &format!("{e}; indexed as text"));
                }
            }
        }
        let (text, utf8) = as_text(bytes);
        let ts = self.record.text(&text, &self.rule);
        self.emit(seq, ts, bytes, utf8)
    }

    /// Adds the current record to the buffer of its hour.
    ///
    /// A record without a time of its own takes the time of the record before it (continuation
    /// lines, stack traces); records before the first timed one take that record's time; an
    /// object with no time at all uses the object's time.
    fn emit(
        &mut self,
        seq: i64,
        ts: Option<i64>,
        message: &[u8],
        utf8: bool,
    ) -> Result<(), IndexError> {
        let seq = seq + self.object.first_seq;
        self.report.records += 1;
        self.unreported_records += 1;
        let ts = match ts.or(self.last_time_us) {
            Some(ts) => ts,
            None => {
                let buffer = &mut self.leading_untimed;
                buffer.begin_record(seq, self.object.time_us, message, utf8);
                self.record.drain_into(buffer);
                buffer.end_record();
                if buffer.estimated_bytes() > self.budget_bytes / 2 {
                    // Too many records without a time: give them the object's time.
                    self.place_leading_untimed(self.object.time_us)?;
                }
                return Ok(());
            }
        };
        let first_timed = self.last_time_us.is_none();
        self.last_time_us = Some(ts);
        if first_timed && !self.leading_untimed.is_empty() {
            self.place_leading_untimed(ts)?;
        }
        self.report.observe_time(ts);
        let state = self
            .hours
            .entry(Hour::of_micros(ts))
            .or_insert_with(|| HourState {
                buffer: PartitionBuffer::new(),
                next_part: 0,
            });
        state.buffer.begin_record(seq, ts, message, utf8);
        self.record.drain_into(&mut state.buffer);
        state.buffer.end_record();
        self.since_budget_check += 1;
        if self.since_budget_check >= 256 || message.len() > 1024 * 1024 {
            self.since_budget_check = 0;
            self.report_progress();
            self.enforce_budget()?;
        }
        Ok(())
    }

    fn hour_state(&mut self, hour: Hour) -> &mut HourState {
        self.hours.entry(hour).or_insert_with(|| HourState {
            buffer: PartitionBuffer::new(),
            next_part: 0,
        })
    }

    /// Moves the leading records without a time into the hour of `ts`.
    /// `ts` is either the first timed record's time or, when there is none, the object's time.
    fn place_leading_untimed(&mut self, ts: i64) -> Result<(), IndexError> {
        let mut buffer = std::mem::take(&mut self.leading_untimed);
        if self.last_time_us.is_none() {
            // Called with the object's time: no record so far had a time of its own.
            self.report.no_timestamp += buffer.num_records() as u64;
        }
        buffer.retime_all(ts);
        self.report.observe_time(ts);
        let hour = Hour::of_micros(ts);
        if !self.hour_state(hour).buffer.is_empty() {
            self.flush(hour)?;
        }
        self.hour_state(hour).buffer = buffer;
        Ok(())
    }

    fn enforce_budget(&mut self) -> Result<(), IndexError> {
        loop {
            let total: usize = self
                .hours
                .values()
                .map(|s| s.buffer.estimated_bytes())
                .sum();
            if total <= self.budget_bytes {
                return Ok(());
            }
            let largest = self
                .hours
                .iter()
                .max_by_key(|(_, s)| s.buffer.estimated_bytes())
                .map(|(hour, _)| *hour);
            match largest {
                Some(hour) => self.flush(hour)?,
                None => return Ok(()),
            }
        }
    }

    fn flush(&mut self, hour: Hour) -> Result<(), IndexError> {
        let Some(state) = self.hours.get_mut(&hour) else {
            return Ok(());
        };
        if state.buffer.is_empty() {
            return Ok(());
        }
        let buffer = std::mem::take(&mut state.buffer);
        let part = state.next_part;
        state.next_part += 1;
        let finished = buffer.finish();
        let columns = ObjectColumns {
            tag: &self.tag,
            object_id: self.object.id.as_str(),
            source: &self.object.uri,
        };
        let encoded = encode_part(&finished, columns)?;
        let name = data_file_name(&self.object.id, part);
        let dt = hour.dt();
        // Messages first: an index row must never point at a message that is not stored yet.
        let messages_len = encoded.messages.len() as u64;
        let indices_len = encoded.indices.len() as u64;
        let messages_key = format!("{}/dt={dt}/{name}", Table::Messages);
        let indices_key = format!("{}/dt={dt}/{name}", Table::Indices);
        self.sink.put(&messages_key, encoded.messages)?;
        self.report.files.push(messages_key);
        self.sink.put(&indices_key, encoded.indices)?;
        self.report.files.push(indices_key);
        self.report.files_written += 2;
        self.report.bytes_written += messages_len + indices_len;
        self.report.index_rows += finished.num_index_rows() as u64;
        self.report.partitions.insert(dt);
        Ok(())
    }

    fn flush_all(&mut self) -> Result<(), IndexError> {
        if !self.leading_untimed.is_empty() {
            self.place_leading_untimed(self.object.time_us)?;
        }
        let hours: Vec<Hour> = self.hours.keys().copied().collect();
        for hour in hours {
            self.flush(hour)?;
            let parts = self.hours[&hour].next_part;
            for table in Table::ALL {
                let dir = format!("{table}/dt={}", hour.dt());
                self.sink.remove_parts_from(&dir, &self.object.id, parts)?;
            }
        }
        Ok(())
    }

    fn report_progress(&mut self) {
        self.progress
            .add(self.unreported_bytes, self.unreported_records);
        self.unreported_bytes = 0;
        self.unreported_records = 0;
    }

    fn read_error(&self, line: u64, e: &std::io::Error) -> IndexError {
        IndexError::Read {
            source_uri: self.object.uri.clone(),
            line,
            message: e.to_string(),
        }
    }
}

/// The record as text, and whether its bytes were valid UTF-8.
fn as_text(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), true),
        Err(_) => (String::from_utf8_lossy(bytes), false),
    }
}
