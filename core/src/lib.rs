//! Pure core of minerva: everything that decides *what* is written and searched, with no
//! I/O, no async runtime and no cloud SDK.
//!
//! - [`tokenizer`]: the one tokenizer used for indexing and for queries.
//! - [`json`]: a strict, iterative JSON scanner that flattens a record into dotted-path leaves.
//! - [`timestamp`]: finding a record's time in JSON fields and text prefixes.
//! - [`schema`]: the Arrow/Parquet schemas of the `indices` and `messages` tables and the
//!   writer settings that are part of the on-disk format.
//! - [`partition`]: the rows of one object for one hour, sorted into Arrow batches.
//! - [`query`]: the query language, parsed into a typed AST.
//! - [`sql`]: the one place where a query becomes SQL, for DataFusion and Athena.
//! - [`sketch`]: the per-group Bloom filters that tell a search which hours may hold a term.
//! - [`verify`]: checks a record against a query exactly (phrases need adjacent tokens).
//! - [`layout`]: object keys (`{prefix}/{table}/dt=YYYY-MM-DD-HH/{file}.parquet`) and object ids.

pub mod json;
pub mod layout;
pub mod pages;
pub mod partition;
pub mod query;
pub mod schema;
pub mod sketch;
pub mod sql;
pub mod timestamp;
pub mod tokenizer;
pub mod verify;
