//! The embedded engine as an asynchronous [`SearchBackend`]: each search runs as a tokio task,
//! at most `max_running` at once (the rest queue), and finished searches are kept for a TTL.
//!
//! A finished exact search keeps only its summary (exact counts); its pages are windows of the
//! ordered index lookup, run again for each page (a local lookup is cheap, and memory stays
//! bounded whatever the number of hits). A phrase search keeps its checked matches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures::StreamExt;
use minerva_core::sql::Window;
use minerva_store::DataStore;
use tokio::sync::Semaphore;
use tokio::task::AbortHandle;

use super::engine::EmbeddedEngine;
use crate::backend::{
    DOLLARS_PER_BYTE, Estimate, FieldCount, HitPage, HitStream, SearchBackend, SearchError,
    SearchRequest, SearchState, SearchStatus, TimelineBucket,
};
use crate::search_id::{is_random_id, random_id};
use crate::two_step::rows::{Interner, decode_candidates};
use crate::two_step::{self, Counted};

/// Hits per page of the export stream.
const STREAM_PAGE: usize = 1000;

/// Limits of the embedded backend.
#[derive(Debug, Clone)]
pub struct EmbeddedLimits {
    /// Searches running at once; more wait in the queue.
    pub max_running: usize,
    /// Searches queued or running at once; more are refused.
    pub max_pending: usize,
    /// Finished searches kept at most; the oldest are forgotten first.
    pub max_finished: usize,
    /// Checked phrase matches kept by all finished searches together (~64 bytes each); the
    /// oldest searches are forgotten first.
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
    counted: Option<Arc<Counted>>,
    abort: Option<AbortHandle>,
}

impl Job {
    fn elapsed(&self) -> Duration {
        match (self.finished, &self.counted) {
            (_, Some(c)) => c.elapsed,
            (Some(done), None) => done - self.started,
            (None, None) => self.started.elapsed(),
        }
    }

    fn kept_hits(&self) -> usize {
        self.counted
            .as_ref()
            .and_then(|c| c.checked.as_ref())
            .map_or(0, |c| c.hits.len())
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

    fn finish(&self, id: &str, result: Result<Counted, SearchError>) {
        let Ok(mut jobs) = self.jobs() else { return };
        let Some(job) = jobs.get_mut(id) else { return };
        if job.state.is_final() {
            return;
        }
        job.finished = Some(Instant::now());
        job.abort = None;
        match result {
            Ok(counted) => {
                job.state = SearchState::Succeeded;
                job.counted = Some(Arc::new(counted));
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
}

impl EmbeddedBackend {
    /// A backend over the tables of `data`.
    pub fn new(data: DataStore, limits: EmbeddedLimits) -> Result<Self, SearchError> {
        let engine = EmbeddedEngine::open(&data)?;
        Ok(EmbeddedBackend {
            shared: Arc::new(Shared {
                data,
                engine,
                slots: Semaphore::new(limits.max_running.max(1)),
                jobs: Mutex::new(HashMap::new()),
                limits,
            }),
        })
    }

    /// The engine (for direct use by tests).
    pub fn engine(&self) -> &EmbeddedEngine {
        &self.shared.engine
    }

    /// Forgets finished searches past the TTL, then the oldest while more than
    /// `max_finished` are kept or they hold more than `max_kept_hits` hits in all.
    fn expire(&self, jobs: &mut HashMap<String, Job>) {
        expire(jobs, &self.shared.limits);
    }

    fn counted(&self, id: &str) -> Result<(SearchRequest, Arc<Counted>), SearchError> {
        let jobs = self.shared.jobs()?;
        let job = jobs
            .get(id)
            .ok_or_else(|| SearchError::NotFound(id.to_owned()))?;
        match (&job.state, &job.counted) {
            (SearchState::Succeeded, Some(counted)) => Ok((job.request.clone(), counted.clone())),
            (state, _) => Err(SearchError::NotReady(format!(
                "search {id} has not succeeded (state: {})",
                state.name()
            ))),
        }
    }
}

fn expire(jobs: &mut HashMap<String, Job>, limits: &EmbeddedLimits) {
    jobs.retain(|_, job| job.finished.is_none_or(|done| done.elapsed() < limits.ttl));
    let mut finished: Vec<(Instant, String, usize)> = jobs
        .iter()
        .filter_map(|(id, job)| job.finished.map(|done| (done, id.clone(), job.kept_hits())))
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

#[async_trait]
impl SearchBackend for EmbeddedBackend {
    fn engine(&self) -> &'static str {
        "embedded"
    }

    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError> {
        request.validate()?;
        // Render now, so a query that cannot become SQL is a 400, not a failed search.
        two_step::first_statements(&self.shared.engine, &request)?;
        // Only the hours the sketches cannot rule out are listed and read, by every statement
        // of the search (pages included).
        let (request, _) = crate::hours::prune_request(&self.shared.data, request).await?;
        let id = random_id();
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
                Ok(engine) => two_step::count(&engine, &task_request).await,
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
                counted: None,
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
        let counted = job.counted.as_deref();
        let checked = counted.and_then(|c| c.checked.as_ref());
        let read = counted.map(|c| c.read).unwrap_or_default();
        Ok(SearchStatus {
            request: job.request.clone(),
            state: job.state.clone(),
            total: counted.map_or(0, |c| c.summary.total()),
            truncated: checked.is_some_and(|c| c.truncated),
            limit_note: checked.filter(|c| c.truncated).map(|_| {
                format!(
                    "the phrase matched more than {} candidate records; only the newest {} \
                     were checked and counted: narrow the time range or the query",
                    two_step::CHECK_LIMIT,
                    two_step::CHECK_LIMIT
                )
            }),
            elapsed_ms: job.elapsed().as_millis() as u64,
            read,
            cost_usd: read.bytes as f64 * DOLLARS_PER_BYTE,
            tag_counts: counted.map(|c| c.summary.tag_counts()).unwrap_or_default(),
            engine: "embedded",
        })
    }

    async fn page(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
        tag: Option<&str>,
    ) -> Result<HitPage, SearchError> {
        let (request, counted) = self.counted(id)?;
        let engine = &self.shared.engine;
        let total = counted.summary.count(tag);
        let hits = match &counted.checked {
            Some(checked) => {
                let window = checked.of_tag(tag).skip(offset).take(limit);
                two_step::fetch_in_order(engine, window).await?
            }
            None if offset as u64 >= total => Vec::new(),
            None => {
                let keys = two_step::window_keys(engine, &request, offset, limit, tag).await?;
                two_step::fetch_in_order(engine, &keys).await?
            }
        };
        Ok(HitPage { total, hits })
    }

    async fn hits(&self, id: &str) -> Result<HitStream, SearchError> {
        let (request, counted) = self.counted(id)?;
        let shared = self.shared.clone();
        if let Some(checked) = &counted.checked {
            let pages: Vec<Vec<_>> = checked
                .hits
                .chunks(STREAM_PAGE)
                .map(<[_]>::to_vec)
                .collect();
            return Ok(futures::stream::iter(pages)
                .then(move |page| {
                    let shared = shared.clone();
                    async move { two_step::fetch_in_order(&shared.engine, &page).await }
                })
                .boxed());
        }
        let lookup = two_step::lookup_sql(&self.shared.engine, &request, Window::default(), None)?;
        let rows = self.shared.engine.stream(&lookup.sql).await?;
        let mut strings = Interner::default();
        let keys = rows
            .map(move |rows| decode_candidates(&rows?, &mut strings))
            .flat_map(|batch| {
                futures::stream::iter(match batch {
                    Ok(keys) => keys.into_iter().map(Ok).collect::<Vec<_>>(),
                    Err(e) => vec![Err(e)],
                })
            })
            .chunks(STREAM_PAGE);
        Ok(keys
            .then(move |chunk| {
                let shared = shared.clone();
                async move {
                    let keys = chunk.into_iter().collect::<Result<Vec<_>, _>>()?;
                    two_step::fetch_in_order(&shared.engine, &keys).await
                }
            })
            .boxed())
    }

    async fn timeline(&self, id: &str, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError> {
        self.counted(id)?.1.summary.timeline(buckets)
    }

    async fn cancel(&self, id: &str) -> Result<(), SearchError> {
        if !is_random_id(id) {
            return Err(SearchError::NotFound(id.to_owned()));
        }
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
        two_step::fields(&self.shared.engine, from_us, to_us, limit).await
    }

    async fn estimate(&self, request: &SearchRequest) -> Result<Estimate, SearchError> {
        let statements = two_step::first_statements(&self.shared.engine, request)?.len() as u64;
        crate::estimate::estimate(&self.shared.data, request, statements).await
    }

    fn explain(&self, request: &SearchRequest) -> Result<Vec<String>, SearchError> {
        two_step::first_statements(&self.shared.engine, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Candidate, ReadStats, Summary};
    use crate::two_step::Checked;
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
                hours: None,
                query: parse("x").unwrap(),
                from_us: 0,
                to_us: 1,
                tags: Vec::new(),
            },
            state: SearchState::Succeeded,
            started: now,
            finished: Some(now.checked_sub(age).unwrap_or(now)),
            counted: Some(Arc::new(Counted {
                summary: Summary::new(0, 1),
                checked: Some(Checked {
                    hits: vec![candidate; hits],
                    candidates: hits,
                    truncated: false,
                }),
                read: ReadStats::default(),
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
