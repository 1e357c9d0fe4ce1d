//! `minerva search`: keyword search over the index, like grep (exit 0 with hits, 1 without,
//! 2 on error).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use minerva_core::layout::Hour;
use minerva_core::query::parse;
use minerva_core::sql::{Dialect, SearchScope, Tables, index_sql};
use minerva_search::{EmbeddedEngine, Hit, SearchRequest, find, page, rfc3339};
use minerva_store::{DataStore, Location};

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
    /// Where the index lives: a local folder or s3://bucket/prefix.
    #[arg(long, env = "MINERVA_DATA", default_value = "./minerva-data")]
    data: String,
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
    /// Most hits printed.
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
    /// Print time taken, files and bytes read to stderr.
    #[arg(long)]
    stats: bool,
    /// Print the SQL (DataFusion and Athena) instead of running it.
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

/// Runs the command.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let text = args.query.join(" ");
    let query = parse(&text).map_err(|e| anyhow::anyhow!("query: {e}"))?;
    let (from_us, to_us) = time_range(&args)?;
    anyhow::ensure!(
        (1..=100_000).contains(&args.limit),
        "--limit must be 1-100000"
    );
    if args.explain {
        let scope = SearchScope {
            from: Hour::of_micros(from_us),
            to: Hour::of_micros(to_us - 1),
            tags: args.tag.clone(),
            limit: minerva_search::execute::CANDIDATE_LIMIT,
        };
        for (name, dialect, tables) in [
            ("datafusion", Dialect::DataFusion, Tables::default()),
            ("athena", Dialect::Athena, Tables::new(Some("minerva"))?),
        ] {
            let sql = index_sql(&query, &scope, &tables, dialect)?;
            println!("-- {name} (exact: {})\n{};", sql.exact, sql.sql);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let data = DataStore::open(&Location::parse(&args.data)?)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let request = SearchRequest {
        query: query.clone(),
        from_us,
        to_us,
        tags: args.tag.clone(),
    };
    let (matched, hits, engine_read) = runtime.block_on(async {
        let engine = EmbeddedEngine::open(&data)?;
        let matched = find(&engine, &request).await?;
        let hits = page(&engine, &matched.hits, args.offset, args.limit).await?;
        anyhow::Ok((matched, hits, engine.read_stats()))
    })?;
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => std::io::stdout().is_terminal(),
    };
    let terms: Vec<String> = query.leaves().flat_map(|m| m.tokens.clone()).collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for hit in &hits {
        match args.output {
            OutputFormat::Jsonl => writeln!(out, "{}", hit.to_json())?,
            OutputFormat::Text => writeln!(out, "{}", text_line(hit, &terms, color))?,
        }
    }
    out.flush()?;
    if args.stats {
        let fetch_read = engine_read.since(matched.read);
        eprintln!(
            "{} hits{} ({} candidates, lookup {}) in {:.3} s; read {} bytes in {} requests \
             from {} files (index lookup: {} bytes, {} of {} row groups read, {} rows skipped \
             by the page index; message fetch: {} bytes)",
            matched.hits.len(),
            if matched.truncated {
                "+ (candidate limit reached)"
            } else {
                ""
            },
            matched.candidates,
            if matched.exact_lookup {
                "exact"
            } else {
                "checked against messages"
            },
            matched.elapsed.as_secs_f64(),
            engine_read.bytes,
            engine_read.requests,
            engine_read.files,
            matched.read.bytes,
            matched.scan.row_groups_read,
            matched.scan.row_groups,
            matched.scan.page_rows_pruned,
            fetch_read.bytes,
        );
    }
    Ok(if matched.hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `time  tag  source:line  message`, with matched terms in bold red when `color`.
fn text_line(hit: &Hit, terms: &[String], color: bool) -> String {
    let message: String = hit
        .message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let message = if color {
        highlight(&message, terms)
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
