//! One module per subcommand: parse flags, build the library's config, call the library.

pub mod athena;
pub mod engine;
pub mod generate;
pub mod index;
pub mod merge;
pub mod search;
pub mod serve;
