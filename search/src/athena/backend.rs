//! The Athena backend: stateless. A search id names its query executions (see
//! [`SearchId`]); status, counts and pages come from Athena (`GetQueryExecution`, the stored
//! results through `GetQueryResults`), so any process can answer for any search. The
//! per-process [`Cache`] only saves calls: summaries, phrase checks, page tokens.
//!
//! Per search: an exact query sends two statements at once (the summary — exact total, tag
//! counts and timeline — and the ordered lookup, whose stored result is paged and never run
//! again); a page is one small message fetch. A phrase query sends the candidate lookup, then
//! message fetches to check the candidates (1,000 per statement).

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt;
use minerva_core::sql::Window;
use minerva_store::DataStore;

use super::cache::{Cache, CheckState, CheckStateResult};
use super::client::{AthenaEngine, Execution};
use super::search_id::{SearchId, request_of, with_request};
use crate::backend::{
    DOLLARS_PER_BYTE, Estimate, FieldCount, HitPage, HitStream, ReadStats, SearchBackend,
    SearchError, SearchRequest, SearchState, SearchStatus, Summary, TimelineBucket,
};
use crate::two_step::rows::{Interner, decode_candidates, decode_summary};
use crate::two_step::{self, CHECK_LIMIT, Checked};

struct Inner {
    engine: AthenaEngine,
    /// The index location, for cost estimates (listing only).
    data: Option<DataStore>,
    cache: Cache,
}

/// Searches on Amazon Athena.
#[derive(Clone)]
pub struct AthenaBackend {
    inner: Arc<Inner>,
}

/// Everything known about one search.
struct Known {
    request: SearchRequest,
    state: SearchState,
    read: ReadStats,
    elapsed_ms: u64,
    summary: Option<Arc<Summary>>,
    checked: Option<Arc<Checked>>,
}

fn combine(executions: &[&Execution]) -> SearchState {
    if let Some(failed) = executions
        .iter()
        .find(|e| matches!(e.state, SearchState::Failed { .. }))
    {
        return match failed.error() {
            Some(error) => SearchState::Failed {
                reason: error.to_string(),
            },
            None => failed.state.clone(),
        };
    }
    if executions.iter().any(|e| e.state == SearchState::Cancelled) {
        SearchState::Cancelled
    } else if executions.iter().all(|e| e.state == SearchState::Succeeded) {
        SearchState::Succeeded
    } else if executions.iter().any(|e| e.state == SearchState::Running) {
        SearchState::Running
    } else {
        SearchState::Queued
    }
}

impl AthenaBackend {
    /// A backend on `engine`; `data` (the index location) enables cost estimates.
    pub fn new(engine: AthenaEngine, data: Option<DataStore>) -> Self {
        AthenaBackend {
            inner: Arc::new(Inner {
                engine,
                data,
                cache: Cache::default(),
            }),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &AthenaEngine {
        &self.inner.engine
    }

    fn parse(&self, id: &str) -> Result<SearchId, SearchError> {
        if self.inner.cache.is_cancelled(id) {
            return Err(SearchError::NotFound(id.to_owned()));
        }
        SearchId::parse(id)
    }

    /// The statements of `request`, each carrying the request.
    fn statements(&self, request: &SearchRequest) -> Result<Vec<String>, SearchError> {
        Ok(two_step::first_statements(&self.inner.engine, request)?
            .iter()
            .map(|sql| with_request(sql, request))
            .collect())
    }

    async fn summary(
        &self,
        execution: &str,
        request: &SearchRequest,
    ) -> Result<Arc<Summary>, SearchError> {
        if let Some(summary) = self.inner.cache.summary(execution) {
            return Ok(summary);
        }
        let rows = crate::sql_engine::Rows {
            rows: self.inner.engine.all_rows(execution).await?,
            read: ReadStats::default(),
        };
        let summary = Arc::new(decode_summary(&rows, request)?);
        self.inner.cache.put_summary(execution, summary.clone());
        Ok(summary)
    }

    /// The checked matches of a phrase search: from the cache, or started in the background
    /// (`None` until done).
    fn checked(
        &self,
        execution: &str,
        request: &SearchRequest,
    ) -> Result<Option<(Arc<Checked>, ReadStats)>, SearchError> {
        match self.inner.cache.check_state(execution) {
            Some(CheckStateResult::Done(result)) => return result.map(Some),
            Some(CheckStateResult::Running) => return Ok(None),
            None => {}
        }
        self.inner.cache.set_check(execution, CheckState::Running);
        let this = self.clone();
        let execution = execution.to_owned();
        let query = request.query.clone();
        tokio::spawn(async move {
            let engine = &this.inner.engine;
            let result = async {
                let rows = crate::sql_engine::Rows {
                    rows: engine.all_rows(&execution).await?,
                    read: ReadStats::default(),
                };
                let candidates = decode_candidates(&rows, &mut Interner::default())?;
                let (checked, read) = two_step::check(engine, &query, candidates).await?;
                Ok::<_, SearchError>((Arc::new(checked), read))
            }
            .await;
            this.inner.cache.set_check(
                &execution,
                CheckState::Done(result.map_err(|e| e.to_string())),
            );
        });
        Ok(None)
    }

    async fn known(&self, id: &str) -> Result<Known, SearchError> {
        match self.parse(id)? {
            SearchId::Exact { summary, hits } => {
                let (s, h) = futures::try_join!(
                    self.inner.engine.execution(&summary),
                    self.inner.engine.execution(&hits)
                )?;
                let request = request_of(&h.query)?;
                let mut read = s.read();
                read += h.read();
                let state = combine(&[&s, &h]);
                let summary = if state == SearchState::Succeeded {
                    Some(self.summary(&summary, &request).await?)
                } else {
                    None
                };
                Ok(Known {
                    request,
                    state,
                    read,
                    elapsed_ms: s.elapsed_ms.max(h.elapsed_ms),
                    summary,
                    checked: None,
                })
            }
            SearchId::Phrase { candidates } => {
                let c = self.inner.engine.execution(&candidates).await?;
                let request = request_of(&c.query)?;
                let mut read = c.read();
                let mut state = combine(&[&c]);
                let mut checked = None;
                if state == SearchState::Succeeded {
                    match self.checked(&candidates, &request) {
                        Ok(Some((done, check_read))) => {
                            read += check_read;
                            checked = Some(done);
                        }
                        Ok(None) => state = SearchState::Running,
                        Err(error) => {
                            state = SearchState::Failed {
                                reason: error.to_string(),
                            }
                        }
                    }
                }
                let summary = checked.as_ref().map(|c| Arc::new(c.summary(&request)));
                Ok(Known {
                    request,
                    state,
                    read,
                    elapsed_ms: c.elapsed_ms,
                    summary,
                    checked,
                })
            }
        }
    }

    async fn succeeded(&self, id: &str) -> Result<Known, SearchError> {
        let known = self.known(id).await?;
        match known.state {
            SearchState::Succeeded => Ok(known),
            SearchState::Failed { reason } => Err(SearchError::NotReady(format!(
                "search {id} failed: {reason}"
            ))),
            state => Err(SearchError::NotReady(format!(
                "search {id} has not succeeded (state: {})",
                state.name()
            ))),
        }
    }

    /// The ordered lookup of one tag: started once per process and tag, then paged.
    async fn tag_lookup(
        &self,
        hits: &str,
        request: &SearchRequest,
        tag: &str,
    ) -> Result<String, SearchError> {
        if let Some(id) = self.inner.cache.tag_lookup(hits, tag) {
            return Ok(id);
        }
        let lookup =
            two_step::lookup_sql(&self.inner.engine, request, Window::default(), Some(tag))?;
        let id = self
            .inner
            .engine
            .start(&with_request(&lookup.sql, request))
            .await?;
        let execution = self.inner.engine.wait(&id).await?;
        if let Some(error) = execution.error() {
            return Err(error);
        }
        self.inner.cache.put_tag_lookup(hits, tag, &id);
        Ok(id)
    }

    /// Rows `[offset, offset + limit)` of a stored result, walking its pages from the
    /// nearest known page token.
    async fn result_window(
        &self,
        execution: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Vec<crate::sql_engine::Cell>>, SearchError> {
        let (mut start, mut token) = self.inner.cache.checkpoint(execution, offset);
        let mut out = Vec::new();
        loop {
            let page = self
                .inner
                .engine
                .results(execution, token.as_deref())
                .await?;
            let end = start + page.rows.len();
            let empty = page.rows.is_empty();
            if let Some(next) = &page.next_token {
                self.inner.cache.put_checkpoint(execution, end, next);
            }
            if end > offset {
                let skip = offset.saturating_sub(start);
                let want = limit - out.len();
                out.extend(page.rows.into_iter().skip(skip).take(want));
            }
            if out.len() >= limit {
                return Ok(out);
            }
            match page.next_token {
                Some(next) if !empty => {
                    start = end;
                    token = Some(next);
                }
                _ => return Ok(out),
            }
        }
    }
}

#[async_trait]
impl SearchBackend for AthenaBackend {
    fn engine(&self) -> &'static str {
        "athena"
    }

    async fn submit(&self, request: SearchRequest) -> Result<String, SearchError> {
        // Render first, so a query that cannot become SQL is refused before any listing.
        self.statements(&request)?;
        // Only the hours the sketches cannot rule out are scanned (and billed).
        let request = match &self.inner.data {
            Some(data) => crate::hours::prune_request(data, request).await?.0,
            None => request,
        };
        let statements = self.statements(&request)?;
        let engine = &self.inner.engine;
        let id = match statements.as_slice() {
            [summary, hits] => {
                let (summary, hits) =
                    futures::try_join!(engine.start(summary), engine.start(hits))?;
                SearchId::Exact { summary, hits }
            }
            [candidates] => SearchId::Phrase {
                candidates: engine.start(candidates).await?,
            },
            _ => return Err(SearchError::Internal("unexpected statement plan".into())),
        };
        Ok(id.to_string())
    }

    async fn status(&self, id: &str) -> Result<SearchStatus, SearchError> {
        let known = self.known(id).await?;
        let truncated = known.checked.as_ref().is_some_and(|c| c.truncated);
        Ok(SearchStatus {
            total: known.summary.as_ref().map_or(0, |s| s.total()),
            tag_counts: known
                .summary
                .as_ref()
                .map(|s| s.tag_counts())
                .unwrap_or_default(),
            truncated,
            limit_note: truncated.then(|| {
                format!(
                    "the phrase matched more than {CHECK_LIMIT} candidate records; only the \
                     newest {CHECK_LIMIT} were checked and counted: narrow the time range or \
                     the query"
                )
            }),
            elapsed_ms: known.elapsed_ms,
            cost_usd: known.read.billed_bytes as f64 * DOLLARS_PER_BYTE,
            read: known.read,
            request: known.request,
            state: known.state,
            engine: "athena",
        })
    }

    async fn page(
        &self,
        id: &str,
        offset: usize,
        limit: usize,
        tag: Option<&str>,
    ) -> Result<HitPage, SearchError> {
        let known = self.succeeded(id).await?;
        let engine = &self.inner.engine;
        let total = known.summary.as_ref().map_or(0, |s| s.count(tag));
        if let Some(checked) = &known.checked {
            let window = checked.of_tag(tag).skip(offset).take(limit);
            let hits = two_step::fetch_in_order(engine, window).await?;
            return Ok(HitPage { total, hits });
        }
        if offset as u64 >= total || limit == 0 {
            return Ok(HitPage {
                total,
                hits: Vec::new(),
            });
        }
        let SearchId::Exact { hits, .. } = self.parse(id)? else {
            return Err(SearchError::Internal(
                "a phrase search without checked hits".into(),
            ));
        };
        let execution = match tag {
            Some(tag) => self.tag_lookup(&hits, &known.request, tag).await?,
            None => hits,
        };
        let rows = crate::sql_engine::Rows {
            rows: self.result_window(&execution, offset, limit).await?,
            read: ReadStats::default(),
        };
        let keys = decode_candidates(&rows, &mut Interner::default())?;
        let hits = two_step::fetch_in_order(engine, &keys).await?;
        Ok(HitPage { total, hits })
    }

    async fn hits(&self, id: &str) -> Result<HitStream, SearchError> {
        let known = self.succeeded(id).await?;
        let this = self.clone();
        if let Some(checked) = known.checked {
            let pages: Vec<Vec<_>> = checked.hits.chunks(1000).map(<[_]>::to_vec).collect();
            return Ok(futures::stream::iter(pages)
                .then(move |page| {
                    let this = this.clone();
                    async move { two_step::fetch_in_order(&this.inner.engine, &page).await }
                })
                .boxed());
        }
        let SearchId::Exact { hits, .. } = self.parse(id)? else {
            return Err(SearchError::Internal(
                "a phrase search without checked hits".into(),
            ));
        };
        // Walk the stored result page by page (each page once), fetching its messages.
        let stream = futures::stream::unfold(Some(None::<String>), move |token| {
            let this = this.clone();
            let hits = hits.clone();
            async move {
                let token = token?;
                let page = match this.inner.engine.results(&hits, token.as_deref()).await {
                    Ok(page) => page,
                    Err(error) => return Some((Err(error), None)),
                };
                let next = page.next_token.clone().map(Some);
                let rows = crate::sql_engine::Rows {
                    rows: page.rows,
                    read: ReadStats::default(),
                };
                let result = match decode_candidates(&rows, &mut Interner::default()) {
                    Ok(keys) => two_step::fetch_in_order(&this.inner.engine, &keys).await,
                    Err(error) => Err(error),
                };
                Some((result, next))
            }
        });
        Ok(stream.boxed())
    }

    async fn timeline(&self, id: &str, buckets: usize) -> Result<Vec<TimelineBucket>, SearchError> {
        let known = self.succeeded(id).await?;
        known
            .summary
            .ok_or_else(|| SearchError::Internal("a succeeded search without a summary".into()))?
            .timeline(buckets)
    }

    async fn cancel(&self, id: &str) -> Result<(), SearchError> {
        let parsed = self.parse(id)?;
        for execution in parsed.executions() {
            self.inner.engine.stop(execution).await?;
        }
        self.inner.cache.forget(id, &parsed.executions());
        Ok(())
    }

    async fn fields(
        &self,
        from_us: i64,
        to_us: i64,
        limit: usize,
    ) -> Result<Vec<FieldCount>, SearchError> {
        two_step::fields(&self.inner.engine, from_us, to_us, limit).await
    }

    async fn estimate(&self, request: &SearchRequest) -> Result<Estimate, SearchError> {
        let data = self.inner.data.as_ref().ok_or_else(|| {
            SearchError::BadRequest(
                "no index location is configured (--data s3://bucket/prefix): cannot estimate"
                    .into(),
            )
        })?;
        let statements = self.statements(request)?.len() as u64;
        crate::estimate::estimate(data, request, statements).await
    }

    fn explain(&self, request: &SearchRequest) -> Result<Vec<String>, SearchError> {
        self.statements(request)
    }
}
