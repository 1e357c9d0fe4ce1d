//! Following a folder: which bytes of which files to index next (`minerva serve --watch`).
//!
//! A new file is indexed up to its last complete line; when it grows, only the appended
//! complete lines are indexed, as an object of their own whose record numbers continue the
//! file's (`first_seq`), so nothing is indexed twice. A file that shrinks or is replaced (new
//! inode) starts over. A last line without a newline is indexed once the file has not changed
//! for [`TailPlanner::settle`]. Gzip files are indexed whole, again when they change.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use minerva_core::layout::ObjectId;

use crate::input::{Input, InputKind};
use crate::ledger::Tail;

#[derive(Debug, Clone)]
struct Tracked {
    /// Identity of the file (inode on Unix).
    file_key: u64,
    /// Bytes indexed so far.
    consumed: u64,
    /// Lines in those bytes.
    lines: i64,
    /// Whole-file (gzip) size last indexed.
    whole_size: Option<u64>,
    /// Size and time when an unterminated tail was first seen.
    unterminated_since: Option<(u64, Instant)>,
}

/// Decides what to index of the files a scan lists.
#[derive(Debug)]
pub struct TailPlanner {
    tracked: HashMap<PathBuf, Tracked>,
    /// How long an unterminated last line must stay unchanged before it is indexed.
    pub settle: Duration,
}

impl Default for TailPlanner {
    fn default() -> Self {
        TailPlanner {
            tracked: HashMap::new(),
            settle: Duration::from_secs(2),
        }
    }
}

fn file_key(meta: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.ino() ^ meta.dev().rotate_left(32)
    }
    #[cfg(not(unix))]
    {
        meta.created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64)
    }
}

/// Newlines in `[start, end)` of `file`, and the offset just past the last one (or `start`).
fn scan_lines(file: &mut File, start: u64, end: u64) -> io::Result<(i64, u64)> {
    file.seek(SeekFrom::Start(start))?;
    let mut reader = file.take(end - start);
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut last_end, mut pos) = (0i64, start, start);
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            lines += 1;
            last_end = pos + i as u64 + 1;
        }
        pos += n as u64;
    }
    Ok((lines, last_end))
}

impl TailPlanner {
    /// Turns the inputs of a folder scan into the inputs to index now, and remembers them as
    /// indexed (call [`TailPlanner::forget`] for those whose indexing failed).
    pub fn plan(&mut self, listed: Vec<Input>) -> Vec<Input> {
        let mut out = Vec::new();
        for input in listed {
            let InputKind::Local(path) = &input.kind else {
                continue;
            };
            match self.plan_file(path, &input) {
                Ok(Some(next)) => out.push(next),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "cannot read watched file");
                }
            }
        }
        out
    }

    /// Forgets a file so the next scan indexes it from the start (or from where
    /// [`TailPlanner::resume`] puts it).
    pub fn forget(&mut self, path: &Path) {
        self.tracked.remove(path);
    }

    /// True when the planner already follows `path`.
    pub fn is_tracked(&self, path: &Path) -> bool {
        self.tracked.contains_key(path)
    }

    /// Continues a file from an earlier run: its first `tail.consumed` bytes (`tail.lines`
    /// lines) are indexed. Ignored at the next scan if the file is another one by then (a
    /// different inode) or shorter.
    pub fn resume(&mut self, path: &Path, tail: Tail) {
        self.tracked.insert(
            path.to_path_buf(),
            Tracked {
                file_key: tail.file_key,
                consumed: tail.consumed,
                lines: tail.lines,
                whole_size: None,
                unterminated_since: None,
            },
        );
    }

    /// Where a followed file stands, for the ledger.
    pub fn tail(&self, path: &Path) -> Option<Tail> {
        self.tracked.get(path).map(|t| Tail {
            file_key: t.file_key,
            consumed: t.consumed,
            lines: t.lines,
        })
    }

    fn plan_file(&mut self, path: &Path, input: &Input) -> io::Result<Option<Input>> {
        let mut file = File::open(path)?;
        let meta = file.metadata()?;
        let (key, size) = (file_key(&meta), meta.len());
        let state = self
            .tracked
            .entry(path.to_path_buf())
            .or_insert_with(|| Tracked {
                file_key: key,
                consumed: 0,
                lines: 0,
                whole_size: None,
                unterminated_since: None,
            });
        if state.file_key != key || size < state.consumed {
            *state = Tracked {
                file_key: key,
                consumed: 0,
                lines: 0,
                whole_size: None,
                unterminated_since: None,
            };
        }
        let mut magic = [0u8; 2];
        let gzip = file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b];
        if gzip {
            if state.whole_size == Some(size) {
                return Ok(None);
            }
            state.whole_size = Some(size);
            return Ok(Some(input.clone()));
        }
        if size == state.consumed {
            return Ok(None);
        }
        let (lines, mut end) = scan_lines(&mut file, state.consumed, size)?;
        let mut new_lines = lines;
        if end < size {
            // An unterminated last line: wait until the file settles.
            let settled = match state.unterminated_since {
                Some((seen, since)) if seen == size => since.elapsed() >= self.settle,
                _ => {
                    state.unterminated_since = Some((size, Instant::now()));
                    false
                }
            };
            if settled {
                end = size;
                new_lines += 1;
            }
        }
        if end == state.consumed {
            return Ok(None);
        }
        state.unterminated_since = None;
        let (start, first_seq) = (state.consumed, state.lines);
        state.consumed = end;
        state.lines += new_lines;
        let mut object = input.object.clone();
        object.first_seq = first_seq;
        object.id = ObjectId::derive_bytes(&[
            b"file-tail",
            path.as_os_str().as_encoded_bytes(),
            key.to_string().as_bytes(),
            start.to_string().as_bytes(),
            end.to_string().as_bytes(),
        ]);
        Ok(Some(Input {
            object,
            size: end - start,
            kind: InputKind::LocalRange {
                path: path.to_path_buf(),
                start,
                end,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::config::IndexerConfig;
    use crate::input::list_inputs;

    async fn scan(planner: &mut TailPlanner, dir: &Path) -> Vec<Input> {
        let specs = [dir.display().to_string()];
        let listed = list_inputs(&specs, &IndexerConfig::default(), None)
            .await
            .unwrap();
        planner.plan(listed)
    }

    fn range(input: &Input) -> (u64, u64, i64) {
        match &input.kind {
            InputKind::LocalRange { start, end, .. } => (*start, *end, input.object.first_seq),
            other => panic!("expected a range, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn appended_lines_are_planned_once_with_continuing_record_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "one\ntwo\nthr").unwrap();
        let mut planner = TailPlanner {
            settle: Duration::from_millis(50),
            ..TailPlanner::default()
        };
        let first = scan(&mut planner, dir.path()).await;
        assert_eq!(first.len(), 1);
        assert_eq!(range(&first[0]), (0, 8, 0));
        assert!(scan(&mut planner, dir.path()).await.is_empty());
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"ee\nfour\n")
            .unwrap();
        let second = scan(&mut planner, dir.path()).await;
        assert_eq!(range(&second[0]), (8, 19, 2));
        assert_ne!(first[0].object.id, second[0].object.id);
        // An unterminated line is indexed once it has settled.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"five")
            .unwrap();
        assert!(scan(&mut planner, dir.path()).await.is_empty());
        std::thread::sleep(Duration::from_millis(80));
        let third = scan(&mut planner, dir.path()).await;
        assert_eq!(range(&third[0]), (19, 23, 4));
        assert!(scan(&mut planner, dir.path()).await.is_empty());
    }

    #[tokio::test]
    async fn a_replaced_or_truncated_file_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "one\ntwo\n").unwrap();
        let mut planner = TailPlanner::default();
        assert_eq!(range(&scan(&mut planner, dir.path()).await[0]), (0, 8, 0));
        std::fs::write(&path, "x\n").unwrap();
        assert_eq!(range(&scan(&mut planner, dir.path()).await[0]), (0, 2, 0));
    }
}
