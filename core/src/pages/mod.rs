//! Parquet files written page by page from what the writer already knows of its rows.
//!
//! The Arrow writer treats every column alike: it hashes each row's value into a dictionary,
//! compares each value for statistics and hashes it into the bloom filter. The indexer holds
//! its strings interned and ranked, and the merger receives rows sorted by the table's key, so
//! both can encode a column chunk from integers, runs and neighbouring values instead.
//! [`chunk`] holds the page and chunk writers and the streaming [`FileWriter`], [`values`]
//! the value encodings of the Parquet specification. The files keep the Arrow writer's schema,
//! settings and footer; the indexer's and merger's tests compare both writers' files.

pub mod chunk;
mod plain;
mod sorted;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod values;

pub use chunk::{
    Chunk, ChunkWriter, Encoder, FileWriter, ascending_column_index, byte_array_statistics,
    dictionary_encodings, write_file,
};
pub use plain::DATA_PAGE_BYTES;
pub use sorted::BloomSizing;
