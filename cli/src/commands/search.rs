//! `minerva search`: keyword search over the index, like grep (exit 0 with hits, 1 without,
//! 2 on error).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use futures::StreamExt;
use minerva_core::query::{Query, parse};
use minerva_core::verify::{RecordTokens, matched_terms};
use minerva_search::{
    EmbeddedLimits, Hit, SearchBackend, SearchRequest, SearchState, SearchStatus, rfc3339,
};

use super::engine::EngineArgs;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per hit.
    Jsonl,
}

/// When to colour matched terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When stdout is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Flags of `minerva search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Engine and index location.
    #[command(flatten)]
    engine: EngineArgs,
    /// Start of the time range (RFC 3339). Default: the beginning of time.
    #[arg(long, conflicts_with = "since")]
    from: Option<String>,
    /// End of the time range (RFC 3339, exclusive). Default: now + 1 day.
    #[arg(long, conflicts_with = "since")]
    to: Option<String>,
    /// Time range ending now, e.g. 15m, 24h, 7d.
    #[arg(long)]
    since: Option<String>,
    /// Only these tags (repeatable).
    #[arg(long)]
    tag: Vec<String>,
    /// Most hits printed; 0 prints every hit (streamed page by page, bounded memory).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Hits skipped before printing (paging).
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    output: OutputFormat,
    /// Colour matched terms in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print the exact total, time taken, statements and bytes read to stderr.
    #[arg(long)]
    stats: bool,
    /// Print the statements the engine would be sent, exactly, instead of running them.
    #[arg(long)]
    explain: bool,
    /// The query, e.g. `10.1.2.3`, `user=alice -root`, `"failed password"`.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
}

fn parse_time(text: &str) -> anyhow::Result<i64> {
    let t = DateTime::parse_from_rfc3339(text).with_context(|| {
        format!("invalid time {text:?} (expected RFC 3339, e.g. 2024-01-01T00:00:00Z)")
    })?;
    Ok(t.timestamp_micros())
}

fn parse_since(text: &str) -> anyhow::Result<i64> {
    let span = minerva_generator::parse_span(text)
        .with_context(|| format!("invalid --since {text:?} (e.g. 15m, 24h, 7d)"))?;
    span.num_microseconds().context("--since is too long")
}

fn time_range(args: &SearchArgs) -> anyhow::Result<(i64, i64)> {
    let now = Utc::now().timestamp_micros();
    if let Some(since) = &args.since {
        return Ok((now - parse_since(since)?, now + 1));
    }
    let from = args
        .from
        .as_deref()
        .map(parse_time)
        .transpose()?
        .unwrap_or(0);
    let to = args
        .to
        .as_deref()
        .map(parse_time)
        .transpose()?
        .unwrap_or(now + 86_400_000_000);
    anyhow::ensure!(from < to, "--from must be before --to");
    Ok((from, to))
}

/// Hits per page request.
const PAGE: usize = 1000;

/// Runs the command.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let text = args.query.join(" ");
    let query = parse(&text).map_err(|e| anyhow::anyhow!("query: {e}"))?;
    let (from_us, to_us) = time_range(&args)?;
    let request = SearchRequest {
        hours: None,
        query: query.clone(),
        from_us,
        to_us,
        tags: args.tag.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal(),
    };
    runtime.block_on(async {
        if args.explain {
            let backend = args.engine.explain_backend()?;
            let statements = backend.explain(&request)?;
            let exact = statements.len() > 1;
            println!("-- {} (exact: {exact})", backend.engine());
            for sql in statements {
                println!("{sql};");
            }
            return Ok(ExitCode::SUCCESS);
        }
        let backend = args.engine.backend(EmbeddedLimits::default()).await?;
        let started = Instant::now();
        let id = backend.submit(request).await?;
        let status = wait(backend.as_ref(), &id).await?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let mut printed = 0usize;
        let mut write = |hits: &[Hit]| -> anyhow::Result<()> {
            for hit in hits {
                match args.output {
                    OutputFormat::Jsonl => writeln!(out, "{}", hit.to_json())?,
                    OutputFormat::Text => writeln!(out, "{}", text_line(hit, &query, color))?,
                }
            }
            printed += hits.len();
            Ok(())
        };
        if args.limit == 0 {
            let mut skip = args.offset;
            let mut pages = backend.hits(&id).await?;
            while let Some(page) = pages.next().await {
                let page = page?;
                let from = skip.min(page.len());
                skip -= from;
                write(&page[from..])?;
            }
        } else {
            let mut offset = args.offset;
            let end = args.offset.saturating_add(args.limit);
            while offset < end && (offset as u64) < status.total {
                let page = backend
                    .page(&id, offset, PAGE.min(end - offset), None)
                    .await?;
                if page.hits.is_empty() {
                    break;
                }
                offset += page.hits.len();
                write(&page.hits)?;
            }
        }
        out.flush()?;
        drop(out);
        let shown_end = args.offset as u64 + printed as u64;
        if args.limit > 0 && shown_end < status.total {
            eprintln!(
                "minerva: {} more hits not shown (--offset {shown_end} for the next ones, \
                 --limit 0 for all)",
                status.total - shown_end
            );
        }
        if let Some(note) = &status.limit_note {
            eprintln!("minerva: result truncated: {note}");
        }
        if args.stats {
            let read = backend.status(&id).await.map_or(status.read, |s| s.read);
            let (hours_read, in_range) = status.request.hours_read();
            let hours = format!("{hours_read} of {in_range} hours");
            eprintln!(
                "{} hits (exact total{}) in {:.3} s on {}; {} statements; read {} bytes in {} \
                 requests from {} files, {hours}; Athena cost ${:.6}",
                status.total,
                if status.truncated { ", truncated" } else { "" },
                started.elapsed().as_secs_f64(),
                backend.engine(),
                read.statements,
                read.bytes,
                read.requests,
                read.files,
                status.cost_usd,
            );
        }
        anyhow::Ok(if status.total == 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}

/// Polls a search until it is final; a failed search is an error.
async fn wait(backend: &dyn SearchBackend, id: &str) -> anyhow::Result<SearchStatus> {
    let mut delay = Duration::from_millis(5);
    loop {
        let status = backend.status(id).await?;
        match &status.state {
            SearchState::Succeeded => return Ok(status),
            SearchState::Failed { reason } => anyhow::bail!("the search failed: {reason}"),
            SearchState::Cancelled => anyhow::bail!("the search was cancelled"),
            SearchState::Queued | SearchState::Running => {}
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

/// `time  tag  source:line  message`, with the tokens the query matched (whole tokens for a
/// prefix, addresses for a CIDR block) in bold red when `color`.
fn text_line(hit: &Hit, query: &Query, color: bool) -> String {
    let message: String = hit
        .message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message = if color {
        highlight(
            &message,
            &matched_terms(query, &RecordTokens::from_message(&hit.message)),
        )
    } else {
        message
    };
    format!(
        "{}  {}  {}:{}  {message}",
        rfc3339(hit.timestamp_us),
        hit.tag,
        hit.source,
        hit.seq + 1
    )
}

/// Wraps case-insensitive whole-word occurrences of `terms` in ANSI bold red.
fn highlight(message: &str, terms: &[String]) -> String {
    let lower = message.to_lowercase();
    if lower.len() != message.len() {
        return message.to_owned(); // lowercasing changed byte offsets: do not risk it
    }
    let mut marks = vec![false; message.len()];
    for term in terms.iter().filter(|t| !t.is_empty()) {
        for (start, _) in lower.match_indices(term.as_str()) {
            let end = start + term.len();
            let before = lower[..start]
                .chars()
                .last()
                .is_none_or(|c| !c.is_alphanumeric());
            let after = lower[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            if before && after {
                marks[start..end].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    let mut out = String::with_capacity(message.len() + 16);
    let mut on = false;
    for (i, c) in message.char_indices() {
        if marks[i] != on {
            out.push_str(if marks[i] { "\x1b[1;31m" } else { "\x1b[0m" });
            on = marks[i];
        }
        out.push(c);
    }
    if on {
        out.push_str("\x1b[0m");
    }
    out
}
