//! What one process remembers about Athena searches, to save calls. Everything here can be
//! rebuilt from Athena, so it is bounded and simply dropped when full.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use crate::backend::{ReadStats, SearchError, Summary};
use crate::two_step::Checked;

/// Entries kept per map before it is cleared.
const MAX_ENTRIES: usize = 1000;

/// Where the check of a phrase search's candidates is.
#[derive(Clone)]
pub enum CheckState {
    /// Being checked by this process.
    Running,
    /// Done (or failed, with the reason).
    Done(Result<(Arc<Checked>, ReadStats), String>),
}

/// Per-process memory of searches.
#[derive(Default)]
pub struct Cache {
    summaries: Mutex<HashMap<String, Arc<Summary>>>,
    checks: Mutex<HashMap<String, CheckState>>,
    tag_lookups: Mutex<HashMap<(String, String), String>>,
    /// Per execution: (first row of a page, the token of that page), sorted.
    checkpoints: Mutex<HashMap<String, Vec<(usize, String)>>>,
    cancelled: Mutex<HashSet<String>>,
}

fn put<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut map) = map.lock() {
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, value);
    }
}

impl Cache {
    /// A summary read before.
    pub fn summary(&self, execution: &str) -> Option<Arc<Summary>> {
        self.summaries.lock().ok()?.get(execution).cloned()
    }

    /// Remembers a summary.
    pub fn put_summary(&self, execution: &str, summary: Arc<Summary>) {
        put(&self.summaries, execution.to_owned(), summary);
    }

    /// Where the check of `execution`'s candidates is, with the error as a search error.
    pub fn check_state(&self, execution: &str) -> Option<CheckStateResult> {
        let state = self.checks.lock().ok()?.get(execution).cloned()?;
        Some(match state {
            CheckState::Running => CheckStateResult::Running,
            CheckState::Done(Ok(done)) => CheckStateResult::Done(Ok(done)),
            CheckState::Done(Err(reason)) => {
                CheckStateResult::Done(Err(SearchError::Engine(reason)))
            }
        })
    }

    /// Sets where the check is.
    pub fn set_check(&self, execution: &str, state: CheckState) {
        put(&self.checks, execution.to_owned(), state);
    }

    /// The execution of a tag's lookup started before.
    pub fn tag_lookup(&self, hits: &str, tag: &str) -> Option<String> {
        self.tag_lookups
            .lock()
            .ok()?
            .get(&(hits.to_owned(), tag.to_owned()))
            .cloned()
    }

    /// Remembers a tag's lookup.
    pub fn put_tag_lookup(&self, hits: &str, tag: &str, execution: &str) {
        put(
            &self.tag_lookups,
            (hits.to_owned(), tag.to_owned()),
            execution.to_owned(),
        );
    }

    /// The nearest known page at or before row `offset`: (its first row, its token).
    pub fn checkpoint(&self, execution: &str, offset: usize) -> (usize, Option<String>) {
        let Ok(map) = self.checkpoints.lock() else {
            return (0, None);
        };
        map.get(execution)
            .and_then(|list| list.iter().rev().find(|(row, _)| *row <= offset).cloned())
            .map_or((0, None), |(row, token)| (row, Some(token)))
    }

    /// Remembers that the page starting at `row` has `token`.
    pub fn put_checkpoint(&self, execution: &str, row: usize, token: &str) {
        if let Ok(mut map) = self.checkpoints.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            let list = map.entry(execution.to_owned()).or_default();
            if let Err(at) = list.binary_search_by_key(&row, |(r, _)| *r) {
                list.insert(at, (row, token.to_owned()));
            }
        }
    }

    /// True when this process cancelled the search.
    pub fn is_cancelled(&self, id: &str) -> bool {
        self.cancelled.lock().is_ok_and(|c| c.contains(id))
    }

    /// Forgets a cancelled search (its id is unknown to this process afterwards).
    pub fn forget(&self, id: &str, executions: &[&str]) {
        if let Ok(mut cancelled) = self.cancelled.lock() {
            if cancelled.len() >= MAX_ENTRIES {
                cancelled.clear();
            }
            cancelled.insert(id.to_owned());
        }
        for execution in executions {
            if let Ok(mut s) = self.summaries.lock() {
                s.remove(*execution);
            }
            if let Ok(mut c) = self.checkpoints.lock() {
                c.remove(*execution);
            }
        }
    }
}

/// [`CheckState`] with its error as a search error.
pub enum CheckStateResult {
    /// Being checked.
    Running,
    /// Done.
    Done(Result<(Arc<Checked>, ReadStats), SearchError>),
}
