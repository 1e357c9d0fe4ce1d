//! The merger function: an hourly schedule (`{"scheduled_time": …}`) merges the hours of the
//! look-back window before the current one; on demand `{"hour": "YYYY-MM-DD-HH"}` merges one
//! hour and `{"all": true}` every ended hour. No merge batch starts after the deadline minus
//! the margin; the merge is resumable, so the next run carries on.

use std::time::Instant;

use minerva_core::layout::Hour;
use minerva_merger::{HourSelection, MergeConfig, MergeReport, merge};
use minerva_store::DataStore;
use serde::{Deserialize, Serialize};

/// What a run was asked to do.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// One hour, `YYYY-MM-DD-HH`.
    #[serde(default)]
    pub hour: Option<String>,
    /// Every ended hour.
    #[serde(default)]
    pub all: bool,
    /// Set by EventBridge Scheduler.
    #[serde(default)]
    pub scheduled_time: Option<String>,
}

/// A bad request.
#[derive(Debug, thiserror::Error)]
pub enum MergeRequestError {
    /// The hour is not `YYYY-MM-DD-HH`.
    #[error("\"hour\" must be YYYY-MM-DD-HH, got {0:?}")]
    BadHour(String),
    /// Both `hour` and `all`.
    #[error("give either \"hour\" or \"all\", not both")]
    Ambiguous,
}

impl MergeRequest {
    /// The hours to merge, given the current hour and the scheduled look-back.
    pub fn selection(
        &self,
        now: Hour,
        lookback_hours: i64,
    ) -> Result<HourSelection, MergeRequestError> {
        match (&self.hour, self.all) {
            (Some(_), true) => Err(MergeRequestError::Ambiguous),
            (Some(text), false) => Hour::parse_dt(text)
                .map(HourSelection::One)
                .ok_or_else(|| MergeRequestError::BadHour(text.clone())),
            (None, true) => Ok(HourSelection::Before(now)),
            (None, false) => Ok(HourSelection::Between {
                from: Hour(now.0 - lookback_hours),
                before: now,
            }),
        }
    }
}

/// The function's answer (also logged).
#[derive(Debug, Clone, Serialize)]
pub struct MergeSummary {
    /// Partitions looked at.
    pub partitions: usize,
    /// Merges done.
    pub merges: usize,
    /// Files before and after.
    pub files_before: usize,
    /// Files after.
    pub files_after: usize,
    /// True when the deadline stopped the run; the next one carries on.
    pub stopped_early: bool,
    /// Wall time, ms.
    pub elapsed_ms: u64,
}

impl From<&MergeReport> for MergeSummary {
    fn from(report: &MergeReport) -> Self {
        let (files_before, files_after, _, _) = report.totals();
        MergeSummary {
            partitions: report.partitions.len(),
            merges: report.merges(),
            files_before,
            files_after,
            stopped_early: report.stopped_early,
            elapsed_ms: report.elapsed_ms,
        }
    }
}

/// Runs one merge request against `data`; no batch starts after `stop_at`.
pub async fn handle(
    data: &DataStore,
    request: &MergeRequest,
    lookback_hours: i64,
    stop_at: Instant,
) -> anyhow::Result<MergeSummary> {
    let now = Hour::of_micros(chrono::Utc::now().timestamp_micros());
    let selection = request.selection(now, lookback_hours)?;
    let config = MergeConfig {
        deadline: Some(stop_at),
        ..MergeConfig::default()
    };
    let report = merge(data, selection, &config).await?;
    let summary = MergeSummary::from(&report);
    tracing::info!(
        partitions = summary.partitions,
        merges = summary.merges,
        files_before = summary.files_before,
        files_after = summary.files_after,
        stopped_early = summary.stopped_early,
        elapsed_ms = summary.elapsed_ms,
        "merged"
    );
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_select_hours() {
        let now = Hour::parse_dt("2026-11-30-10").unwrap();
        let scheduled: MergeRequest =
            serde_json::from_str(r#"{"scheduled_time":"2026-11-30T10:07:00Z"}"#).unwrap();
        assert_eq!(
            scheduled.selection(now, 3).unwrap(),
            HourSelection::Between {
                from: Hour::parse_dt("2026-11-30-07").unwrap(),
                before: now
            }
        );
        let one: MergeRequest = serde_json::from_str(r#"{"hour":"2026-11-29-23"}"#).unwrap();
        assert_eq!(
            one.selection(now, 3).unwrap(),
            HourSelection::One(Hour::parse_dt("2026-11-29-23").unwrap())
        );
        let all: MergeRequest = serde_json::from_str(r#"{"all":true}"#).unwrap();
        assert_eq!(all.selection(now, 3).unwrap(), HourSelection::Before(now));
        let bad: MergeRequest = serde_json::from_str(r#"{"hour":"yesterday"}"#).unwrap();
        assert!(matches!(
            bad.selection(now, 3),
            Err(MergeRequestError::BadHour(_))
        ));
        let both: MergeRequest =
            serde_json::from_str(r#"{"hour":"2026-11-29-23","all":true}"#).unwrap();
        assert!(both.selection(now, 3).is_err());
        assert!(serde_json::from_str::<MergeRequest>(r#"{"hours":"x"}"#).is_err());
    }
}
