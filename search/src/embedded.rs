//! The embedded engine as an asynchronous [`SearchBackend`]: each search runs as a tokio task,
//! at most `max_running` at once (the rest queue), and finished searches are kept for a TTL.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Int64Type;
use minerva_core::layout::Hour;
use minerva_core::sql::{Dialect, Tables, fields_sql};
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use minerva_store::DataStore;

use crate::backend::{
    FieldCount, HitPage, SearchBackend, SearchState, SearchStatus, TimelineBucket, timeline_buckets,
};
use crate::counting::ReadStats;
use crate::engine::EmbeddedEngine;
use crate::error::SearchError;
use crate::execute::{Candidate, Matched, SearchRequest, fetch_in_order, find};

/// Limits of the embedded backend.
#[derive(Debug, Clone)]
pub struct EmbeddedLimits {
    /// Searches running at once; more wait in the queue.
    pub max_running: usize,
    /// Searches queued or running at once; more are refused.
    pub max_pending: usize,
    /// Finished searches kept at most; the oldest are forgotten first.
    pub max_finished: usize,
    /// Hits kept by all finished searches together (~64 bytes each); the oldest searches are
    /// forgotten first.
    pub max_kept_hits: usize,
    /// How long a finished search stays readable.
    pub ttl: Duration,
}

impl Default for EmbeddedLimits {
    fn default() -> Self {
        EmbeddedLimits {
            max_running: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_pending: 1000,
            max_finished: 1000,
            max_kept_hits: 4_000_000,
            ttl: Duration::from_secs(3600),
        }
    }
}

struct Job {
    request: SearchRequest,
    state: SearchState,
    started: Instant,
    /// Set when the job became final.
    finished: Option<Instant>,
    matched: Option<Arc<Matched>>,
    abort: Option<AbortHandle>,
}

impl Job {
    fn elapsed(&self) -> Duration {
        match (self.finished, &self.matched) {
            (_, Some(m)) => m.elapsed,
            (Some(done), None) => done - self.started,
            (None, None) => self.started.elapsed(),
        }
    }
}

struct Shared {
    /// Where the tables are; each search gets an engine of its own so its read counters are
    /// its own.
    data: DataStore,
    /// For page fetches and the field census.
    engine: EmbeddedEngine,
    jobs: Mutex<HashMap<String, Job>>,
    slots: Semaphore,
    limits: EmbeddedLimits,
}

impl Shared {
    fn jobs(&self) -> Result<MutexGuard<'_, HashMap<String, Job>>, SearchError> {
        self.jobs
            .lock()
            .map_err(|_| SearchError::Internal("search registry lock poisoned".into()))
    }

    fn finish(&self, id: &str, result: Result<Matched, SearchError>) {
        let Ok(mut jobs) = self.jobs() else { return };
        let Some(job) = jobs.get_mut(id) else { return };
        if job.state.is_final() {
            return;
        }
        job.finished = Some(Instant::now());
        job.abort = None;
        match result {
            Ok(matched) => {
                job.state = SearchState::Succeeded;
                job.matched = Some(Arc::new(matched));
            }
            Err(error) => {
                job.state = SearchState::Failed {
                    reason: error.to_string(),
                };
            }
        }
    }
}

/// The embedded DataFusion engine behind the asynchronous backend interface.
#[derive(Clone)]
pub struct EmbeddedBackend {
    shared: Arc<Shared>,
    next_id: Arc<AtomicU64>,
    /// Distinguishes ids of different server runs.
    epoch: u64,
}

impl EmbeddedBackend {
    /// A backend over the tables of `data`.
    pub fn new(data: DataStore, limits: EmbeddedLimits) -> Result<Self, SearchError> {
        let engine = EmbeddedEngine::open(&data)?;
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Ok(EmbeddedBackend {
            shared: Arc::new(Shared {
                data,
                engine,
                slots: Semaphore::new(limits.max_running.max(1)),
                jobs: Mutex::new(HashMap::new()),
                limits,
            }),
            next_id: Arc::new(AtomicU64::new(1)),
            epoch,
        })
    }

    /// The engine (for direct use by the CLI and tests).
    pub fn engine(&self) -> &EmbeddedEngine {
        &self.shared.engine
    }

    /// Forgets finished searches past the TTL, then the oldest while more than
    /// `max_finished` are kept or they hold more than `max_kept_hits` hits in all.
    fn expire(&self, jobs: &mut HashMap<String, Job>) {
        expire(jobs, &self.shared.limits);
    }

    fn matched(&self, id: &str) -> Result<Arc<Matched>, SearchError> {
        let jobs = self.shared.jobs()?;
        let job = jobs
            .get(id)
            .ok_or_else(|| SearchError::NotFound(id.to_owned()))?;
        match (&job.state, &job.matched) {
            (SearchState::Succeeded, Some(matched)) => Ok(matched.clone()),
            (state, _) => Err(SearchError::NotReady(format!(
                "search {id} has not succeeded (state: {})",
                state_name(state)
            ))),
        }
    }
}

fn expire(jobs: &mut HashMap<String, Job>, limits: &EmbeddedLimits) {
    jobs.retain(|_, job| job.finished.is_none_or(|done| done.elapsed() < limits.ttl));
    let mut finished: Vec<(Instant, String, usize)> = jobs
        .iter()
        .filter_map(|(id, job)| {
            let hits = job.matched.as_ref().map_or(0, |m| m.hits.len());
            job.finished.map(|done| (done, id.clone(), hits))
        })
        .collect();
    finished.sort();
    let mut kept_hits: usize = finished.iter().map(|(_, _, n)| n).sum();
    let mut kept = finished.len();
    for (_, id, hits) in finished {
        if kept <= limits.max_finished && kept_hits <= limits.max_kept_hits {
            break;
        }
        jobs.remove(&id);
        kept -= 1;
        kept_hits -= hits;
    }
}

fn state_name(state: &SearchState) -> &'static str {
    match state {
        SearchState::Queued => "queued",
        SearchState::Running => "running",
        SearchState::Succeeded => "succeeded",
        SearchState::Failed { .. } => "failed",
        SearchState::Cancelled => "cancelled",
    }
}

fn tag_counts(hits: &[Candidate]) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for hit in hits {
        if let Some(n) = counts.get_mut(&*hit.tag) {
            *n += 1;
        } else {
            counts.insert(hit.tag.to_string(), 1);
        }
    }
    counts
}

#[async_trait]
impl SearchBackend for EmbeddedBackend {
    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError> {
        if request.to_us <= request.from_us {
            return Err(SearchError::BadRequest(
                "the time range is empty (end <= start)".into(),
            ));
        }
        let id = format!(
            "{:x}-{}",
            self.epoch,
            self.next_id.fetch_add(1, Ordering::Relaxed)
        );
        let mut jobs = self.shared.jobs()?;
        self.expire(&mut jobs);
        let pending = jobs.values().filter(|j| !j.state.is_final()).count();
        if pending >= self.shared.limits.max_pending {
            return Err(SearchError::TooMany(format!(
                "{pending} searches are queued or running; try again later"
            )));
        }
        let shared = self.shared.clone();
        let task_id = id.clone();
        let task_request = request.clone();
        let task = tokio::spawn(async move {
            let Ok(_permit) = shared.slots.acquire().await else {
                return;
            };
            if let Ok(mut jobs) = shared.jobs()
                && let Some(job) = jobs.get_mut(&task_id)
            {
                if job.state != SearchState::Queued {
                    return;
                }
                job.state = SearchState::Running;
                job.started = Instant::now();
            }
            let result = match EmbeddedEngine::open(&shared.data) {
                Ok(engine) => find(&engine, &task_request).await,
                Err(error) => Err(error),
            };
            shared.finish(&task_id, result);
        });
        jobs.insert(
            id.clone(),
            Job {
                request,
                state: SearchState::Queued,
                started: Instant::now(),
                finished: None,
                matched: None,
                abort: Some(task.abort_handle()),
            },
        );
        Ok(id)
    }

    async fn status(&self, id: &str) -> Result<SearchStatus, SearchError> {
        let jobs = self.shared.jobs()?;
        let job = jobs
            .get(id)
            .ok_or_else(|| SearchError::NotFound(id.to_owned()))?;
        let (total, truncated, read, counts) = match &job.matched {
            Some(m) => (m.hits.len(), m.truncated, m.read, tag_counts(&m.hits)),
            None => (0, false, ReadStats::default(), BTreeMap::new()),
        };
        Ok(SearchStatus {
            request: job.request.clone(),
            state: job.state.clone(),
            total,
            truncated,
            elapsed_ms: job.elapsed().as_millis() as u64,
            read,
            tag_counts: counts,
        })
    }

    async fn page(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
        tag: Option<&str>,
    ) -> Result<HitPage, SearchError> {
        let matched = self.matched(id)?;
        let selected: Vec<&Candidate> = match tag {
            Some(tag) => matched.hits.iter().filter(|c| &*c.tag == tag).collect(),
            None => matched.hits.iter().collect(),
        };
        let window: Vec<&Candidate> = selected.iter().skip(offset).take(limit).copied().collect();
        let hits = fetch_in_order(&self.shared.engine, &window).await?;
        Ok(HitPage {
            total: selected.len(),
            hits,
        })
    }

    async fn timeline(&self, id: &str, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError> {
        let matched = self.matched(id)?;
        let request = self.status(id).await?.request;
        timeline_buckets(
            request.from_us,
            request.to_us,
            buckets,
            matched.hits.iter().map(|c| (c.timestamp_us, &*c.tag)),
        )
    }

    async fn cancel(&self, id: &str) -> Result<(), SearchError> {
        let mut jobs = self.shared.jobs()?;
        let mut job = jobs
            .remove(id)
            .ok_or_else(|| SearchError::NotFound(id.to_owned()))?;
        if let Some(abort) = job.abort.take() {
            abort.abort();
        }
        Ok(())
    }

    async fn fields(
        &self,
        from_us: i64,
        to_us: i64,
        limit: usize,
    ) -> Result<Vec<FieldCount>, SearchError> {
        if to_us <= from_us {
            return Err(SearchError::BadRequest(
                "the time range is empty (end <= start)".into(),
            ));
        }
        let sql = fields_sql(
            Hour::of_micros(from_us),
            Hour::of_micros(to_us - 1),
            limit,
            &Tables::default(),
            Dialect::DataFusion,
        )?;
        let mut out = Vec::new();
        for batch in self.shared.engine.run(&sql).await? {
            let (Some(field), Some(n)) = (
                batch.column(0).as_string_opt::<i32>(),
                batch.column(1).as_primitive_opt::<Int64Type>(),
            ) else {
                return Err(SearchError::Internal(
                    "unexpected column types in the field census".into(),
                ));
            };
            for row in 0..batch.num_rows() {
                if !field.is_null(row) {
                    out.push(FieldCount {
                        name: field.value(row).to_owned(),
                        count: n.value(row).max(0) as u64,
                    });
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use minerva_core::query::parse;

    fn finished_job(age: Duration, hits: usize) -> Job {
        let candidate = Candidate {
            dt: Arc::from("2024-01-01-00"),
            object_id: Arc::from("0"),
            seq: 0,
            timestamp_us: 0,
            tag: Arc::from("t"),
        };
        let now = Instant::now();
        Job {
            request: SearchRequest {
                query: parse("x").unwrap(),
                from_us: 0,
                to_us: 1,
                tags: Vec::new(),
            },
            state: SearchState::Succeeded,
            started: now,
            finished: Some(now.checked_sub(age).unwrap_or(now)),
            matched: Some(Arc::new(Matched {
                hits: vec![candidate; hits],
                truncated: false,
                exact_lookup: true,
                candidates: hits,
                index_sql: String::new(),
                read: ReadStats::default(),
                scan: Default::default(),
                elapsed: Duration::ZERO,
            })),
            abort: None,
        }
    }

    #[test]
    fn the_oldest_finished_searches_go_first() {
        let limits = EmbeddedLimits {
            max_finished: 2,
            max_kept_hits: 100,
            ttl: Duration::from_secs(60),
            ..EmbeddedLimits::default()
        };
        let mut jobs = HashMap::new();
        jobs.insert(
            "expired".to_owned(),
            finished_job(Duration::from_secs(120), 1),
        );
        jobs.insert("old".to_owned(), finished_job(Duration::from_secs(30), 1));
        jobs.insert("mid".to_owned(), finished_job(Duration::from_secs(20), 1));
        jobs.insert("new".to_owned(), finished_job(Duration::from_secs(10), 1));
        expire(&mut jobs, &limits);
        let mut left: Vec<&str> = jobs.keys().map(String::as_str).collect();
        left.sort();
        assert_eq!(left, ["mid", "new"]);

        // The hit budget evicts too: 60 + 50 > 100 drops the older one.
        let mut jobs = HashMap::new();
        jobs.insert(
            "big-old".to_owned(),
            finished_job(Duration::from_secs(20), 60),
        );
        jobs.insert(
            "big-new".to_owned(),
            finished_job(Duration::from_secs(10), 50),
        );
        expire(&mut jobs, &limits);
        assert_eq!(jobs.keys().collect::<Vec<_>>(), ["big-new"]);
    }
}
