//! Drives the record generators: byte budgets, time assignment, needle planting, output.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::manifest::{FileEntry, Manifest, ManifestOptions, Needle, Occurrence};
use crate::needles::{NEEDLES, Plant, plan};
use crate::rng::{Rng, mix};
use crate::vocab::Vocab;
use crate::{GenerateError, GenerateOptions, LogKind};

/// Output is flushed to the file (and progress reported) in chunks of about this size.
const CHUNK: usize = 1 << 20;
/// No record of any kind is shorter than this (bounds the time jitter; see `write_file`).
const MIN_RECORD_BYTES: u128 = 64;

/// A per-file record generator for one log kind.
pub(crate) trait RecordGen {
    /// Optional first line of every file (with its `\n`).
    fn header(&self) -> Option<&'static [u8]> {
        None
    }

    /// Appends one record ending in `\n` at time `t` (in the kind's ticks since the Unix
    /// epoch). With `plant`, the record must contain `plant.value` as a whole word in exactly
    /// one logical field, whose name is returned; without, the return value is ignored.
    fn record(&mut self, out: &mut Vec<u8>, t: i64, plant: Option<Plant>) -> &'static str;
}

fn new_gen<'a>(
    kind: LogKind,
    v: &'a Vocab,
    rng: Rng,
    file: usize,
    hi: i64,
) -> Box<dyn RecordGen + 'a> {
    match kind {
        LogKind::CloudTrail => Box::new(crate::cloudtrail::Gen::new(v, rng, file)),
        LogKind::VpcFlow => Box::new(crate::vpcflow::Gen::new(v, rng, file, hi)),
        LogKind::Sshd => Box::new(crate::sshd::Gen::new(v, rng, file)),
        LogKind::WebAccess => Box::new(crate::web::Gen::new(v, rng, file)),
        LogKind::WindowsEvent => Box::new(crate::windows::Gen::new(v, rng, file)),
    }
}

/// Generates the data set described by `opts` into `opts.out_dir` and writes
/// `manifest.json` there.
///
/// `progress` is called with the number of (uncompressed) bytes written so far, about once
/// per MiB and after every file. Work is single-threaded and streaming: memory use does not
/// depend on `total_bytes`.
pub fn generate(
    opts: &GenerateOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Manifest, GenerateError> {
    opts.validate()?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Io { path, source }
    };
    fs::create_dir_all(&opts.out_dir).map_err(io(&opts.out_dir))?;
    let vocab = Vocab::new(opts.seed);
    let placements = plan(opts.seed, &opts.kinds, opts.files_per_kind);
    let mut occurrences: Vec<Vec<Occurrence>> = vec![Vec::new(); NEEDLES.len()];
    let end = opts.start + opts.span;

    let mut files = Vec::new();
    let mut written = 0u64;
    let nkinds = opts.kinds.len() as u64;
    let nfiles = opts.files_per_kind as u64;
    for (ki, &kind) in opts.kinds.iter().enumerate() {
        let kind_budget =
            opts.total_bytes / nkinds + u64::from((ki as u64) < opts.total_bytes % nkinds);
        let dir = opts.out_dir.join(kind.name());
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let tps = kind.ticks_per_second();
        let (lo, hi) = (ceil_ticks(opts.start, tps), ceil_ticks(end, tps));
        let kind_seed = mix(
            opts.seed,
            LogKind::ALL.iter().position(|&k| k == kind).unwrap_or(0) as u64 + 1,
        );
        for fi in 0..opts.files_per_kind {
            let budget = kind_budget / nfiles + u64::from((fi as u64) < kind_budget % nfiles);
            let name = format!(
                "{kind}-{fi:04}.{}{}",
                kind.extension(),
                if opts.gzip { ".gz" } else { "" }
            );
            let rel = format!("{kind}/{name}");
            let mut plants: Vec<(u64, usize)> = placements
                .iter()
                .filter(|p| p.kind == kind && p.file == fi)
                .map(|p| (p.ppm, p.needle))
                .collect();
            plants.sort_unstable();
            let gen_ = new_gen(kind, &vocab, Rng::new(mix(kind_seed, fi as u64)), fi, hi);
            let job = FileJob {
                path: dir.join(&name),
                rel,
                kind,
                budget,
                lo,
                hi,
                gzip: opts.gzip,
                jitter_seed: mix(kind_seed, fi as u64 ^ 0x4A49_5454_4552),
            };
            let entry = write_file(
                &job,
                gen_,
                &plants,
                &mut occurrences,
                &mut written,
                progress,
            )?;
            files.push(entry);
            progress(written);
        }
    }

    let needles = NEEDLES
        .iter()
        .zip(occurrences)
        .filter(|(_, occ)| !occ.is_empty())
        .map(|(spec, occurrences)| Needle {
            value: spec.value.to_string(),
            role: spec.role.name().to_string(),
            twin_of: spec.twin_of.map(str::to_string),
            description: spec.description.to_string(),
            occurrences,
        })
        .collect();
    let manifest = Manifest {
        options: ManifestOptions::from_options(opts),
        total_bytes: files.iter().map(|f: &FileEntry| f.bytes).sum(),
        total_lines: files.iter().map(|f| f.lines).sum(),
        files,
        needles,
    };
    manifest.save(&opts.out_dir)?;
    Ok(manifest)
}

/// `t` in ticks of `1/tps` s since the epoch, rounded up (so the tick is never before `t`).
fn ceil_ticks(t: DateTime<Utc>, tps: i64) -> i64 {
    let ns_per_tick = 1_000_000_000 / tps;
    let nanos = i64::from(t.timestamp_subsec_nanos());
    t.timestamp() * tps + (nanos + ns_per_tick - 1) / ns_per_tick
}

fn format_ticks(t: i64, tps: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp(
        t.div_euclid(tps),
        (t.rem_euclid(tps) * (1_000_000_000 / tps)) as u32,
    )
    .unwrap_or_default();
    let fmt = if tps == 1 {
        SecondsFormat::Secs
    } else {
        SecondsFormat::Micros
    };
    dt.to_rfc3339_opts(fmt, true)
}

struct FileJob {
    path: PathBuf,
    rel: String,
    kind: LogKind,
    budget: u64,
    /// First allowed tick (inclusive) and end tick (exclusive).
    lo: i64,
    hi: i64,
    gzip: bool,
    jitter_seed: u64,
}

enum Sink {
    Plain(File),
    Gz(Box<GzEncoder<File>>),
}

impl Sink {
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Plain(f) => f.write_all(b),
            Sink::Gz(g) => g.write_all(b),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Plain(mut f) => f.flush(),
            Sink::Gz(g) => g.finish()?.flush(),
        }
    }
}

fn write_file(
    job: &FileJob,
    mut gen_: Box<dyn RecordGen + '_>,
    plants: &[(u64, usize)],
    occurrences: &mut [Vec<Occurrence>],
    written_total: &mut u64,
    progress: &mut dyn FnMut(u64),
) -> Result<FileEntry, GenerateError> {
    let io = |source| GenerateError::Io {
        path: job.path.clone(),
        source,
    };
    let file = File::create(&job.path).map_err(io)?;
    let mut sink = if job.gzip {
        Sink::Gz(Box::new(GzEncoder::new(file, Compression::new(1))))
    } else {
        Sink::Plain(file)
    };
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 64 * 1024);
    let (budget, lo, hi) = (job.budget, job.lo, job.hi);
    let tps = job.kind.ticks_per_second();
    let mut bytes = 0u64;
    let mut lines = 0u64;
    if let Some(h) = gen_.header() {
        buf.extend_from_slice(h);
        bytes += h.len() as u64;
        lines += 1;
    }
    let mut records = 0u64;
    let (mut first, mut last) = (lo, lo);
    let mut next_plant = 0usize;
    let mut overflow = false;
    let width = (hi - lo).max(1) as u128;
    // Record times are proportional to the bytes written before them, plus a jitter smaller
    // than the time advanced by the shortest possible record, so they stay non-decreasing.
    let max_jitter =
        (width * MIN_RECORD_BYTES / u128::from(budget.max(1))).saturating_sub(1) as u64;
    let mut jitter = Rng::new(job.jitter_seed);
    loop {
        let due = plants.get(next_plant).filter(|&&(ppm, _)| {
            overflow || u128::from(bytes) * 1_000_000 >= u128::from(ppm) * u128::from(budget)
        });
        if due.is_none() && (overflow || bytes >= budget) && records > 0 {
            break;
        }
        let frac = (u128::from(bytes.min(budget)) * width / u128::from(budget.max(1))) as i64;
        let t = (lo + frac + jitter.below(max_jitter) as i64).min(hi - 1);
        let plant = due.map(|&(_, n)| Plant {
            role: NEEDLES[n].role,
            value: NEEDLES[n].value,
        });
        let mark = buf.len();
        let field = gen_.record(&mut buf, t, plant);
        let len = (buf.len() - mark) as u64;
        debug_assert!(
            u128::from(len) >= MIN_RECORD_BYTES,
            "record shorter than assumed"
        );
        // Keep a record only if that lands closer to the budget than dropping it would.
        if due.is_none() && records > 0 && 2 * bytes + len > 2 * budget {
            buf.truncate(mark);
            overflow = true;
            continue;
        }
        if let Some(&(_, n)) = due {
            occurrences[n].push(Occurrence {
                file: job.rel.clone(),
                line: lines,
                field: field.to_string(),
                time: format_ticks(t, tps),
            });
            next_plant += 1;
        }
        if records == 0 {
            first = t;
        }
        last = t;
        bytes += len;
        lines += 1;
        records += 1;
        if buf.len() >= CHUNK {
            sink.write_all(&buf).map_err(io)?;
            buf.clear();
            progress(*written_total + bytes);
        }
    }
    sink.write_all(&buf).map_err(io)?;
    sink.finish().map_err(io)?;
    // Like a shipped log file, its modification time is its last record's: readers that take
    // a missing year (syslog) or an untimed record's time from the file then agree with it.
    let last_secs = u64::try_from(last.div_euclid(tps)).unwrap_or(0) + 1;
    File::options()
        .write(true)
        .open(&job.path)
        .and_then(|f| f.set_modified(UNIX_EPOCH + Duration::from_secs(last_secs)))
        .map_err(io)?;
    *written_total += bytes;
    let disk_bytes = fs::metadata(&job.path).map_err(io)?.len();
    Ok(FileEntry {
        path: job.rel.clone(),
        kind: job.kind.name().to_string(),
        bytes,
        disk_bytes,
        lines,
        records,
        first_time: format_ticks(first, tps),
        last_time: format_ticks(last, tps),
    })
}
