//! Reading an object as lines: gzip by magic bytes, a bounded line length, CR/LF and BOM
//! handling, and keeping the partial line that precedes a read error.

use std::io::{self, BufRead, BufReader, Chain, Cursor, Read};

use flate2::read::MultiGzDecoder;

/// Longest record kept, in bytes. A longer line is cut to this length and reported; the rest
/// of the line is skipped so memory stays bounded whatever the input.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// Bytes looked at to detect the format.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The UTF-8 byte order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The decompressed content of an object: the sniffed head, then the rest.
pub type ContentReader = BufReader<Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>>;

/// A decompressed object with its first bytes available for format detection.
pub struct Opened {
    /// The first bytes of the decompressed content (up to [`SNIFF_BYTES`], more when the first
    /// line is longer), BOM included.
    pub head: Vec<u8>,
    /// True when `head` is the whole content.
    pub head_is_all: bool,
    /// True when the object was gzip-compressed.
    pub gzip: bool,
    /// The whole content, `head` first.
    pub reader: ContentReader,
}

/// Opens `raw`, decompressing gzip when the magic bytes say so, and reads the head.
pub fn open(raw: Box<dyn Read + Send>) -> io::Result<Opened> {
    let mut raw = BufReader::with_capacity(256 * 1024, raw);
    let gzip = raw.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    let mut content: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut limit = SNIFF_BYTES;
    let mut head_is_all = false;
    loop {
        let want = limit - head.len();
        let got = read_up_to(&mut content, &mut head, want)?;
        if got < want {
            head_is_all = true;
            break;
        }
        // Let a long first line (e.g. a JSON record with a script block) fit, up to 4 MiB.
        if memchr::memchr(b'\n', &head).is_some() || limit >= 4 * 1024 * 1024 {
            break;
        }
        limit *= 4;
    }
    let reader = BufReader::with_capacity(256 * 1024, Cursor::new(head.clone()).chain(content));
    Ok(Opened {
        head,
        head_is_all,
        gzip,
        reader,
    })
}

/// Reads until `want` more bytes are in `buf` or the input ends; returns how many were read.
/// An error after some bytes were read is returned as is (the bytes stay in `buf`).
fn read_up_to(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
    let start = buf.len();
    let result = reader.take(want as u64).read_to_end(buf);
    match result {
        Ok(_) => Ok(buf.len() - start),
        Err(e) if buf.len() > start => {
            // Keep what was decoded; the same error will surface again when reading on.
            let _ = e;
            Ok(buf.len() - start)
        }
        Err(e) => Err(e),
    }
}

/// One line of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInfo {
    /// 0-based line number (blank lines counted).
    pub seq: u64,
    /// True when the line was longer than [`MAX_RECORD_BYTES`] and was cut.
    pub truncated: bool,
}

/// Splits a reader into lines without holding more than one line in memory.
pub struct LineReader<R> {
    inner: R,
    next_seq: u64,
    pending_error: Option<io::Error>,
    done: bool,
    bytes_consumed: u64,
}

impl<R: BufRead> LineReader<R> {
    /// Wraps a reader; the first line gets `seq` 0.
    pub fn new(inner: R) -> Self {
        LineReader {
            inner,
            next_seq: 0,
            pending_error: None,
            done: false,
            bytes_consumed: 0,
        }
    }

    /// Reads the next line into `buf` (without its `\n` or `\r\n`, and without a BOM on the
    /// first line). Returns `Ok(None)` at the end. After a read error, the partial line read
    /// before it is returned first and the error on the following call.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<LineInfo>> {
        buf.clear();
        if let Some(e) = self.pending_error.take() {
            self.done = true;
            return Err(e);
        }
        if self.done {
            return Ok(None);
        }
        let mut truncated = false;
        let mut saw_any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    if saw_any {
                        self.pending_error = Some(e);
                        break;
                    }
                    self.done = true;
                    return Err(e);
                }
            };
            if available.is_empty() {
                self.done = true;
                if !saw_any {
                    return Ok(None);
                }
                // A last line ending in `\r` with no `\n` (a CRLF file cut after the CR).
                if buf.last() == Some(&b'\r') && !truncated {
                    buf.pop();
                }
                break;
            }
            saw_any = true;
            let (take, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            // A `\r` just before the `\n` is the terminator, not content.
            let content = if found && take > 0 && available[take - 1] == b'\r' {
                take - 1
            } else {
                take
            };
            let room = MAX_RECORD_BYTES.saturating_sub(buf.len());
            if content > room {
                truncated = true;
            }
            // The `\r` of a `\r\n` split across two reads is already in `buf`.
            let split_crlf = found && take == 0 && buf.last() == Some(&b'\r') && !truncated;
            buf.extend_from_slice(&available[..content.min(room)]);
            let consumed = if found { take + 1 } else { take };
            self.inner.consume(consumed);
            self.bytes_consumed += consumed as u64;
            if split_crlf {
                buf.pop();
            }
            if found {
                break;
            }
        }
        let seq = self.next_seq;
        if seq == 0 && buf.starts_with(BOM) {
            buf.drain(..BOM.len());
        }
        self.next_seq += 1;
        Ok(Some(LineInfo { seq, truncated }))
    }

    /// Bytes of the input consumed so far (line terminators and BOM included).
    pub fn bytes_consumed(&self) -> u64 {
        self.bytes_consumed
    }

    /// Number of lines returned so far.
    pub fn lines_read(&self) -> u64 {
        self.next_seq
    }
}

/// True when a line holds only ASCII whitespace (such lines are counted but not stored).
pub fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn lines(input: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut reader = LineReader::new(Cursor::new(input.to_vec()));
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(info) = reader.next_line(&mut buf).unwrap() {
            out.push((info.seq, buf.clone()));
        }
        out
    }

    #[test]
    fn splits_lines_and_strips_crlf_and_bom() {
        let got = lines(b"\xEF\xBB\xBFa\r\n\nb\r\nc");
        assert_eq!(
            got,
            [
                (0, b"a".to_vec()),
                (1, b"".to_vec()),
                (2, b"b".to_vec()),
                (3, b"c".to_vec())
            ]
        );
        assert!(lines(b"").is_empty());
        assert_eq!(lines(b"\n"), [(0, b"".to_vec())]);
    }

    #[test]
    fn only_the_terminators_cr_is_removed() {
        assert_eq!(
            lines(b"x\r\r\ny\r"),
            [(0, b"x\r".to_vec()), (1, b"y".to_vec())]
        );
        // A CRLF split across two reads of the underlying reader.
        let reader = std::io::BufReader::with_capacity(3, Cursor::new(b"ab\r\ncd".to_vec()));
        let mut reader = LineReader::new(reader);
        let mut buf = Vec::new();
        reader.next_line(&mut buf).unwrap();
        assert_eq!(buf, b"ab");
        reader.next_line(&mut buf).unwrap();
        assert_eq!(buf, b"cd");
    }

    #[test]
    fn opens_gzip_by_magic_bytes() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"x\ny\n").unwrap();
        let gz = encoder.finish().unwrap();
        let mut opened = open(Box::new(Cursor::new(gz))).unwrap();
        assert!(opened.gzip);
        assert!(opened.head_is_all);
        assert_eq!(opened.head, b"x\ny\n");
        let mut all = Vec::new();
        opened.reader.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"x\ny\n");
    }

    #[test]
    fn truncated_gzip_keeps_the_lines_before_the_error() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for i in 0..20_000 {
            writeln!(encoder, "line number {i}").unwrap();
        }
        let mut gz = encoder.finish().unwrap();
        gz.truncate(gz.len() / 2);
        let opened = open(Box::new(Cursor::new(gz))).unwrap();
        let mut reader = LineReader::new(opened.reader);
        let mut buf = Vec::new();
        let mut count = 0;
        let error = loop {
            match reader.next_line(&mut buf) {
                Ok(Some(_)) => count += 1,
                Ok(None) => panic!("a truncated gzip must report an error"),
                Err(e) => break e,
            }
        };
        assert!(count > 1000, "only {count} lines before the error");
        assert!(!error.to_string().is_empty());
    }
}
