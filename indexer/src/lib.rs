//! The minerva indexer: raw log objects in, Parquet `indices` and `messages` files out.
//!
//! The same library runs behind the `minerva index` command and (later) the Lambda handler:
//! callers list [`input::Input`]s, then call [`run::index_inputs`] with a
//! [`minerva_store::DataStore`] to write into.
//!
//! Per object: the content is decompressed when it is gzip ([`lines`]), its layout detected
//! from its first bytes ([`detect`]), every record flattened and tokenized ([`record`],
//! [`tabular`]), rows buffered per hour within a memory budget and written as sorted Parquet
//! files ([`object`], [`encode`]).

pub mod config;
pub mod delimited;
pub mod detect;
pub mod encode;
pub mod error;
pub mod follow;
pub mod input;
pub mod key_date;
pub mod ledger;
pub mod lines;
pub mod object;
pub mod progress;
pub mod record;
pub mod report;
pub mod run;
pub mod tabular;
pub mod watch;

pub use config::{Format, IndexerConfig, SourceOverrides, StaleParts};
pub use error::{ConfigError, IndexError};
pub use follow::Follower;
pub use input::{Input, list_inputs};
pub use ledger::{Ingest, Ledger, LedgerEntry, Replace, Tail};
pub use progress::Progress;
pub use report::{IndexReport, ObjectReport};
pub use run::index_inputs;
pub use watch::TailPlanner;
