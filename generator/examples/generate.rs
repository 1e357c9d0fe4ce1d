//! Generates a data set and prints the throughput.
//!
//! `cargo run --release -p minerva-generator --example generate -- OUT_DIR [SIZE] [--gzip] [--kinds sshd,web]`

use std::time::Instant;

use minerva_generator::{GenerateOptions, generate, parse_size};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out_dir = args
        .first()
        .ok_or("usage: generate OUT_DIR [SIZE] [--gzip] [--kinds K,K]")?;
    let size = args
        .get(1)
        .filter(|a| !a.starts_with("--"))
        .map_or(Ok(300_000_000), |s| parse_size(s))?;
    let opts = GenerateOptions {
        out_dir: out_dir.into(),
        total_bytes: size,
        gzip: args.iter().any(|a| a == "--gzip"),
        kinds: match args.iter().position(|a| a == "--kinds") {
            Some(i) => args
                .get(i + 1)
                .ok_or("--kinds needs a value")?
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()?,
            None => minerva_generator::LogKind::ALL.to_vec(),
        },
        ..GenerateOptions::default()
    };
    let started = Instant::now();
    let manifest = generate(&opts, &mut |_| {})?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} bytes, {} lines, {} files in {secs:.2}s = {:.0} MB/s",
        manifest.total_bytes,
        manifest.total_lines,
        manifest.files.len(),
        manifest.total_bytes as f64 / secs / 1e6
    );
    Ok(())
}
