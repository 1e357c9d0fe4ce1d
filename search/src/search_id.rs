//! Unguessable search ids (no counters): 128 bits from the standard library's randomly keyed
//! SipHash over a process-wide counter and the time, so knowing one id tells nothing of
//! another and a search id can later carry access control.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

static KEYS: LazyLock<(RandomState, RandomState)> =
    LazyLock::new(|| (RandomState::new(), RandomState::new()));
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// 32 lowercase hex digits, random.
pub fn random_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let half = |state: &RandomState| {
        let mut h = state.build_hasher();
        h.write_u64(n);
        h.write_u128(now);
        h.finish()
    };
    format!("{:016x}{:016x}", half(&KEYS.0), half(&KEYS.1))
}

/// True when `id` looks like a [`random_id`] (checked before any lookup).
#[cfg_attr(not(feature = "embedded"), allow(dead_code))]
pub fn is_random_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_well_formed() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| random_id()).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| is_random_id(id)));
        assert!(!is_random_id("1"));
        assert!(!is_random_id(&"z".repeat(32)));
    }
}
