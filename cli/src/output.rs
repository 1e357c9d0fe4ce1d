//! Terminal output: a progress bar (only on a TTY) and the end-of-run summary.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use minerva_indexer::{IndexReport, Progress};

/// A progress bar fed from the shared counters by a background thread.
pub struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressBar {
    /// Starts the bar on stderr when it is a terminal and `quiet` is false.
    pub fn start(progress: Arc<Progress>, quiet: bool) -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return ProgressBar {
                bar: None,
                stop,
                thread: None,
            };
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} files {msg}",
            )
            .expect("progress template is valid"),
        );
        let thread = {
            let bar = bar.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let s = progress.snapshot();
                    bar.set_length(s.objects_total);
                    bar.set_position(s.objects_done);
                    let secs = started.elapsed().as_secs_f64().max(1e-3);
                    bar.set_message(format!(
                        "{:.1} MB, {} records, {:.1} MB/s",
                        s.bytes as f64 / 1e6,
                        s.records,
                        s.bytes as f64 / 1e6 / secs
                    ));
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        ProgressBar {
            bar: Some(bar),
            stop,
            thread: Some(thread),
        }
    }

    /// Stops and clears the bar.
    pub fn finish(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// Prints the summary, warnings and failures to stderr.
pub fn print_summary(report: &IndexReport, data: &str) {
    for object in &report.objects {
        for warning in &object.warnings {
            eprintln!("warning: {warning}");
        }
        if object.suppressed_warnings > 0 {
            eprintln!(
                "warning: {}: {} more warnings",
                object.uri, object.suppressed_warnings
            );
        }
        if let Some(error) = &object.error {
            eprintln!("error: {error}");
        }
    }
    let failed = report.failed().count();
    eprintln!(
        "indexed {} objects ({:.1} MB) into {data} in {:.2} s ({:.1} MB/s): {} records, \
         {} unparsed lines indexed as text, {} truncated, {} without timestamp, \
         {} files written ({:.1} MB), {} failed",
        report.objects.len(),
        report.bytes() as f64 / 1e6,
        report.elapsed.as_secs_f64(),
        report.mb_per_second(),
        report.records(),
        report.unparsed(),
        report.truncated(),
        report.no_timestamp(),
        report.files_written(),
        report.bytes_written() as f64 / 1e6,
        failed,
    );
}

/// Writes the report as JSON (for scripts, tests and benchmarks).
pub fn write_json_report(report: &IndexReport, path: &Path) -> anyhow::Result<()> {
    let objects: Vec<serde_json::Value> = report
        .objects
        .iter()
        .map(|o| {
            serde_json::json!({
                "uri": o.uri, "layout": o.layout, "gzip": o.gzip, "lines": o.lines,
                "blank": o.blank, "records": o.records, "unparsed": o.unparsed,
                "truncated": o.truncated, "no_timestamp": o.no_timestamp, "bytes": o.bytes,
                "bytes_written": o.bytes_written, "files_written": o.files_written,
                "index_rows": o.index_rows, "partitions": o.partitions,
                "min_time_us": o.min_time_us, "max_time_us": o.max_time_us,
                "warnings": o.warnings, "error": o.error,
            })
        })
        .collect();
    let json = serde_json::json!({
        "objects": objects,
        "records": report.records(),
        "bytes": report.bytes(),
        "bytes_written": report.bytes_written(),
        "files_written": report.files_written(),
        "elapsed_seconds": report.elapsed.as_secs_f64(),
        "mb_per_second": report.mb_per_second(),
    });
    std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    Ok(())
}

/// Sends `tracing` logs to stderr, filtered by `MINERVA_LOG` (default `default_level`).
pub fn init_logging(default_level: &str) {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MINERVA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
}
