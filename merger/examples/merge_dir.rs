//! Merges every partition of a local data folder with the system allocator (for heap
//! profilers such as heaptrack): `cargo run --example merge_dir -p minerva-merger -- DIR`.

use minerva_merger::{HourSelection, MergeConfig, merge};
use minerva_store::{DataStore, Location};

#[tokio::main]
async fn main() {
    let dir = std::env::args().nth(1).expect("usage: merge_dir DIR");
    let data = DataStore::open(&Location::Local(dir.into())).expect("open the folder");
    let report = merge(&data, HourSelection::All, &MergeConfig::default())
        .await
        .expect("merge");
    println!("{} merges in {} ms", report.merges(), report.elapsed_ms);
}
