//! Exact counts of a search: matches per tag and fine time bin, from which the total, the
//! per-tag counts and a timeline of any bucket count are derived without another statement.

use std::collections::BTreeMap;

use minerva_core::sql::{SUMMARY_BINS, summary_bin_width_us};

use super::{SearchError, TimelineBucket};

/// Most buckets a timeline may have.
pub const MAX_TIMELINE_BUCKETS: usize = 1000;

/// Matches per tag and bin of `[from_us, to_us)`; bin `i` covers `[from + i·w, from + (i+1)·w)`
/// (see `minerva_core::sql::summary_sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    from_us: i64,
    to_us: i64,
    width_us: i64,
    counts: BTreeMap<String, BTreeMap<i64, u64>>,
}

impl Summary {
    /// An empty summary of `[from_us, to_us)`.
    pub fn new(from_us: i64, to_us: i64) -> Self {
        Summary {
            from_us,
            to_us,
            width_us: summary_bin_width_us(from_us, to_us),
            counts: BTreeMap::new(),
        }
    }

    /// Adds `n` matches of `tag` in `bin` (a row of the summary statement).
    pub fn add(&mut self, tag: &str, bin: i64, n: u64) {
        let bin = bin.clamp(0, SUMMARY_BINS - 1);
        let bins = match self.counts.get_mut(tag) {
            Some(bins) => bins,
            None => self.counts.entry(tag.to_owned()).or_default(),
        };
        *bins.entry(bin).or_insert(0) += n;
    }

    /// Adds one match at `timestamp_us`.
    pub fn add_timestamp(&mut self, tag: &str, timestamp_us: i64) {
        let bin = (timestamp_us - self.from_us).div_euclid(self.width_us);
        self.add(tag, bin, 1);
    }

    /// Every match.
    pub fn total(&self) -> u64 {
        self.counts.values().flat_map(|b| b.values()).sum()
    }

    /// Matches per tag.
    pub fn tag_counts(&self) -> BTreeMap<String, u64> {
        self.counts
            .iter()
            .map(|(tag, bins)| (tag.clone(), bins.values().sum()))
            .collect()
    }

    /// Matches of one tag (all tags with `None`).
    pub fn count(&self, tag: Option<&str>) -> u64 {
        match tag {
            Some(tag) => self.counts.get(tag).map_or(0, |b| b.values().sum()),
            None => self.total(),
        }
    }

    /// `buckets` consecutive buckets over the range, oldest first. Each bucket is made of whole
    /// bins, so its counts are exact; widths are equal when `buckets` divides 2520 (60, 72, 84,
    /// 90, …) and differ by at most one bin (1/2520 of the range) otherwise.
    pub fn timeline(&self, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError> {
        if !(1..=MAX_TIMELINE_BUCKETS).contains(&buckets) {
            return Err(SearchError::BadRequest(format!(
                "buckets must be between 1 and {MAX_TIMELINE_BUCKETS}"
            )));
        }
        let n = buckets as i64;
        let first_bin = |i: i64| i * SUMMARY_BINS / n;
        let mut out: Vec<TimelineBucket> = (0..n)
            .map(|i| TimelineBucket {
                start_us: (self.from_us + first_bin(i) * self.width_us).min(self.to_us),
                counts: BTreeMap::new(),
            })
            .collect();
        for (tag, bins) in &self.counts {
            for (&bin, &count) in bins {
                // The bucket whose first bin is the last one <= bin.
                let index = ((bin + 1) * n - 1) / SUMMARY_BINS;
                let index = index.clamp(0, n - 1) as usize;
                *out[index].counts.entry(tag.clone()).or_insert(0) += count;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_whole_bins_and_count_every_match() {
        // 2520 µs: one µs per bin.
        let mut s = Summary::new(0, 2520);
        for t in [0, 41, 42, 2519, 1260] {
            s.add_timestamp("a", t);
        }
        s.add_timestamp("b", 100);
        assert_eq!(s.total(), 6);
        assert_eq!(s.count(Some("a")), 5);
        let buckets = s.timeline(60).unwrap();
        assert_eq!(buckets.len(), 60);
        assert_eq!(buckets[1].start_us, 42);
        assert_eq!(buckets[0].counts.get("a"), Some(&2));
        assert_eq!(buckets[1].counts.get("a"), Some(&1));
        assert_eq!(buckets[2].counts.get("b"), Some(&1));
        assert_eq!(buckets[30].counts.get("a"), Some(&1));
        assert_eq!(buckets[59].counts.get("a"), Some(&1));
        let sum: u64 = buckets.iter().flat_map(|b| b.counts.values()).sum();
        assert_eq!(sum, 6);
    }

    #[test]
    fn any_bucket_count_agrees_with_a_direct_count() {
        let (from, to) = (1_000, 1_000 + 7 * 3_600_000_000);
        let mut s = Summary::new(from, to);
        let points: Vec<i64> = (0..5000)
            .map(|i| from + (i * 5_039_993) % (to - from))
            .collect();
        for &p in &points {
            s.add_timestamp("t", p);
        }
        for buckets in [1, 7, 60, 61, 100, 999, 1000] {
            let list = s.timeline(buckets).unwrap();
            for (i, bucket) in list.iter().enumerate() {
                let end = list.get(i + 1).map_or(to, |b| b.start_us);
                let direct = points
                    .iter()
                    .filter(|&&p| p >= bucket.start_us && p < end)
                    .count() as u64;
                assert_eq!(bucket.counts.get("t").copied().unwrap_or(0), direct);
            }
        }
    }

    #[test]
    fn bucket_count_is_bounded() {
        let s = Summary::new(0, 10);
        assert!(s.timeline(0).is_err());
        assert!(s.timeline(MAX_TIMELINE_BUCKETS + 1).is_err());
        let huge = Summary::new(i64::MIN / 4, i64::MAX / 4);
        assert_eq!(huge.timeline(1000).unwrap().len(), 1000);
    }
}
