//! End-to-end tests of the indexer library: inputs written to a temporary folder, indexed into
//! a temporary data folder, and every Parquet file read back.

mod bad_input;
mod formats;
mod gzip;
mod idempotence;
mod memory;
mod partitions;
mod support;
