//! Athena as an [`SqlEngine`]: start a statement, wait for it, read its stored result in pages
//! of at most 1,000 rows. Throttling and transient failures are retried by the SDK with
//! backoff; Athena's own failures become clear [`SearchError`]s.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use aws_sdk_athena::Client;
use aws_sdk_athena::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_athena::types::{
    QueryExecutionContext, QueryExecutionState, ResultConfiguration, ResultSet,
};
use minerva_core::sql::{Dialect, Tables};

use super::config::AthenaConfig;
use crate::backend::{ReadStats, SearchError, SearchState, athena_billed_bytes};
use crate::search_id::random_id;
use crate::sql_engine::{Cell, Rows, SqlEngine};

/// Rows per `GetQueryResults` call (Athena's maximum).
pub const RESULT_PAGE: i32 = 1000;

/// Keys per message fetch statement on Athena (~60 bytes each, far below the 256 KB limit).
const FETCH_BATCH: usize = 1000;

/// The state of one statement, from `GetQueryExecution`.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Where it is.
    pub state: SearchState,
    /// The statement text.
    pub query: String,
    /// Bytes scanned so far.
    pub bytes: u64,
    /// Milliseconds from submission to completion (or to now).
    pub elapsed_ms: u64,
    /// True when the failure came from the workgroup's bytes-scanned limit.
    pub limit_exceeded: bool,
}

impl Execution {
    /// What it read, as the backends count it.
    pub fn read(&self) -> ReadStats {
        ReadStats {
            bytes: self.bytes,
            statements: 1,
            billed_bytes: if self.state == SearchState::Succeeded || self.bytes > 0 {
                athena_billed_bytes(self.bytes)
            } else {
                0
            },
            ..ReadStats::default()
        }
    }

    /// The failure as an error, when it failed or was cancelled.
    pub fn error(&self) -> Option<SearchError> {
        match &self.state {
            SearchState::Failed { reason } if self.limit_exceeded => {
                Some(SearchError::LimitExceeded(format!(
                    "Athena stopped the search at the workgroup's bytes-scanned limit \
                     ({reason}): narrow the time range or the query"
                )))
            }
            SearchState::Failed { reason } => Some(SearchError::Engine(reason.clone())),
            SearchState::Cancelled => {
                Some(SearchError::Engine("the statement was cancelled".into()))
            }
            _ => None,
        }
    }
}

/// One page of a stored result.
#[derive(Debug, Clone, Default)]
pub struct ResultPage {
    /// Data rows (the header row of the first page is left out).
    pub rows: Vec<Vec<Cell>>,
    /// The token of the next page, if any.
    pub next_token: Option<String>,
}

/// A client of one workgroup and database.
#[derive(Clone)]
pub struct AthenaEngine {
    client: Client,
    config: AthenaConfig,
    tables: Tables,
}

/// Turns an SDK error into a search error: throttling is `Unavailable`, an expired result is
/// `Expired`, the rest names the call.
fn sdk_error<E, R>(call: &str, error: SdkError<E, R>) -> SearchError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = error.code().unwrap_or_default().to_owned();
    let message = error.message().unwrap_or_default().to_owned();
    match &error {
        SdkError::ServiceError(_) => {
            if code.contains("TooManyRequests") || code.contains("Throttl") {
                SearchError::Unavailable(format!("Athena {call}: {code}: {message}"))
            } else if message.to_ascii_lowercase().contains("expired")
                || message.contains("no longer available")
            {
                SearchError::Expired(format!(
                    "the search's results are no longer stored ({message}): run it again"
                ))
            } else {
                SearchError::Engine(format!("Athena {call}: {code}: {message}"))
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            SearchError::Unavailable(format!("Athena {call}: cannot reach the service: {error}"))
        }
        _ => SearchError::Engine(format!(
            "Athena {call}: {}",
            std::error::Error::source(&error).map_or_else(|| error.to_string(), |s| s.to_string())
        )),
    }
}

/// Parses Athena's timestamp text (`2024-01-01 00:00:00.123456`, fraction optional).
fn parse_timestamp(text: &str) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    Some(t.and_utc().timestamp_micros())
}

/// Parses varbinary text: hex pairs, optionally separated by spaces.
fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// One value as the column's Athena type says.
fn cell(value: Option<&str>, athena_type: &str) -> Result<Cell, SearchError> {
    let Some(text) = value else {
        return Ok(Cell::Null);
    };
    let bad = || SearchError::Internal(format!("Athena returned {text:?} as {athena_type}"));
    Ok(match athena_type {
        "bigint" | "integer" | "smallint" | "tinyint" => {
            Cell::Int(text.parse().map_err(|_| bad())?)
        }
        t if t.starts_with("timestamp") => Cell::Timestamp(parse_timestamp(text).ok_or_else(bad)?),
        "varbinary" => Cell::Bytes(parse_hex(text).ok_or_else(bad)?),
        _ => Cell::Text(text.to_owned()),
    })
}

/// The data rows of a result set; `first` says whether it is the first page (whose first row
/// is the header).
fn page_rows(set: &ResultSet, first: bool) -> Result<Vec<Vec<Cell>>, SearchError> {
    let columns: Vec<(&str, &str)> = set
        .result_set_metadata()
        .map(|m| {
            m.column_info()
                .iter()
                .map(|c| (c.name(), c.r#type()))
                .collect()
        })
        .unwrap_or_default();
    let mut rows = set.rows();
    if first && let Some(header) = rows.first() {
        let is_header = header.data().len() == columns.len()
            && header
                .data()
                .iter()
                .zip(&columns)
                .all(|(d, (name, _))| d.var_char_value() == Some(*name));
        if is_header {
            rows = &rows[1..];
        }
    }
    rows.iter()
        .map(|row| {
            row.data()
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    cell(
                        d.var_char_value(),
                        columns.get(i).map_or("varchar", |c| c.1),
                    )
                })
                .collect()
        })
        .collect()
}

impl AthenaEngine {
    /// A client built from the environment (`AWS_REGION`, credentials chain,
    /// `AWS_ENDPOINT_URL_ATHENA` for a stand-in), retrying throttled calls with backoff.
    pub async fn from_env(config: AthenaConfig) -> Result<Self, SearchError> {
        let retry = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(6)
            .with_initial_backoff(Duration::from_millis(100))
            .with_max_backoff(Duration::from_secs(5));
        let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .retry_config(retry)
            .load()
            .await;
        Self::new(Client::new(&shared), config)
    }

    /// A client that never calls AWS: it renders statements (for `--explain`) and fails any
    /// call for want of credentials.
    pub fn offline(config: AthenaConfig) -> Result<Self, SearchError> {
        let sdk = aws_sdk_athena::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        Self::new(Client::from_conf(sdk), config)
    }

    /// A client of `config`'s workgroup and database.
    pub fn new(client: Client, config: AthenaConfig) -> Result<Self, SearchError> {
        let tables = Tables::new(Some(config.database()))?;
        Ok(AthenaEngine {
            client,
            config,
            tables,
        })
    }

    /// The settings.
    pub fn config(&self) -> &AthenaConfig {
        &self.config
    }

    /// Starts `sql` and returns its query execution id.
    pub async fn start(&self, sql: &str) -> Result<String, SearchError> {
        let mut request = self
            .client
            .start_query_execution()
            .query_string(sql)
            // Retries of this call must not start the statement twice.
            .client_request_token(random_id())
            .work_group(self.config.workgroup())
            .query_execution_context(
                QueryExecutionContext::builder()
                    .database(self.config.database())
                    .build(),
            );
        if let Some(location) = self.config.output_location() {
            request = request.result_configuration(
                ResultConfiguration::builder()
                    .output_location(location)
                    .build(),
            );
        }
        let output = request
            .send()
            .await
            .map_err(|e| sdk_error("StartQueryExecution", e))?;
        output
            .query_execution_id()
            .map(str::to_owned)
            .ok_or_else(|| SearchError::Engine("Athena returned no query execution id".into()))
    }

    /// The state of a statement.
    pub async fn execution(&self, id: &str) -> Result<Execution, SearchError> {
        let output = self
            .client
            .get_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(|e| sdk_error("GetQueryExecution", e))?;
        let execution = output
            .query_execution()
            .ok_or_else(|| SearchError::Engine(format!("Athena knows no execution {id}")))?;
        let status = execution.status();
        let reason = status
            .and_then(|s| s.state_change_reason())
            .unwrap_or("no reason given")
            .to_owned();
        let lower = reason.to_ascii_lowercase();
        // The workgroup's cutoff ends a statement CANCELLED with this reason.
        let limit_exceeded =
            lower.contains("bytes scanned limit") || lower.contains("data usage limit");
        let state = match status.and_then(|s| s.state()) {
            Some(QueryExecutionState::Queued) | None => SearchState::Queued,
            Some(QueryExecutionState::Running) => SearchState::Running,
            Some(QueryExecutionState::Succeeded) => SearchState::Succeeded,
            Some(QueryExecutionState::Cancelled) if !limit_exceeded => SearchState::Cancelled,
            Some(_) => SearchState::Failed {
                reason: reason.clone(),
            },
        };
        let millis =
            |t: Option<&aws_sdk_athena::primitives::DateTime>| t.and_then(|t| t.to_millis().ok());
        let submitted = millis(status.and_then(|s| s.submission_date_time()));
        let completed = millis(status.and_then(|s| s.completion_date_time())).or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .map(|d| d.as_millis() as i64)
        });
        let elapsed_ms = match (submitted, completed) {
            (Some(s), Some(c)) => (c - s).max(0) as u64,
            _ => 0,
        };
        Ok(Execution {
            state,
            query: execution.query().unwrap_or_default().to_owned(),
            bytes: execution
                .statistics()
                .and_then(|s| s.data_scanned_in_bytes())
                .unwrap_or(0)
                .max(0) as u64,
            elapsed_ms,
            limit_exceeded,
        })
    }

    /// Waits until a statement is final (polling with backoff), stopping it after the wait
    /// limit.
    pub async fn wait(&self, id: &str) -> Result<Execution, SearchError> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(50);
        loop {
            let execution = self.execution(id).await?;
            if execution.state.is_final() {
                return Ok(execution);
            }
            if started.elapsed() > self.config.max_wait() {
                self.stop(id).await?;
                return Err(SearchError::Unavailable(format!(
                    "Athena statement {id} did not finish within {} s; it was stopped",
                    self.config.max_wait().as_secs()
                )));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(Duration::from_secs(1));
        }
    }

    /// One page of a succeeded statement's result: the first with `token` `None`.
    pub async fn results(&self, id: &str, token: Option<&str>) -> Result<ResultPage, SearchError> {
        let output = self
            .client
            .get_query_results()
            .query_execution_id(id)
            .max_results(RESULT_PAGE)
            .set_next_token(token.map(str::to_owned))
            .send()
            .await
            .map_err(|e| sdk_error("GetQueryResults", e))?;
        let rows = match output.result_set() {
            Some(set) => page_rows(set, token.is_none())?,
            None => Vec::new(),
        };
        Ok(ResultPage {
            rows,
            next_token: output.next_token().map(str::to_owned),
        })
    }

    /// Stops a statement (a finished one is left as it is).
    pub async fn stop(&self, id: &str) -> Result<(), SearchError> {
        self.client
            .stop_query_execution()
            .query_execution_id(id)
            .send()
            .await
            .map_err(|e| sdk_error("StopQueryExecution", e))?;
        Ok(())
    }

    /// Every row of a succeeded statement's result.
    pub async fn all_rows(&self, id: &str) -> Result<Vec<Vec<Cell>>, SearchError> {
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self.results(id, token.as_deref()).await?;
            rows.extend(page.rows);
            match page.next_token {
                Some(next) => token = Some(next),
                None => return Ok(rows),
            }
        }
    }
}

#[async_trait]
impl SqlEngine for AthenaEngine {
    fn dialect(&self) -> Dialect {
        Dialect::Athena
    }

    fn tables(&self) -> &Tables {
        &self.tables
    }

    fn fetch_batch(&self) -> usize {
        FETCH_BATCH
    }

    async fn query(&self, sql: &str) -> Result<Rows, SearchError> {
        let id = self.start(sql).await?;
        let execution = self.wait(&id).await?;
        if let Some(error) = execution.error() {
            return Err(error);
        }
        Ok(Rows {
            rows: self.all_rows(&id).await?,
            read: execution.read(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_parsed_by_type() {
        assert_eq!(cell(None, "bigint").unwrap(), Cell::Null);
        assert_eq!(cell(Some("42"), "bigint").unwrap(), Cell::Int(42));
        assert_eq!(
            cell(Some("2024-01-01 00:00:00.000001"), "timestamp").unwrap(),
            Cell::Timestamp(1_704_067_200_000_001)
        );
        assert_eq!(
            cell(Some("2024-01-01 00:00:01"), "timestamp(3)").unwrap(),
            Cell::Timestamp(1_704_067_201_000_000)
        );
        assert_eq!(
            cell(Some("ff 00 0a"), "varbinary").unwrap(),
            Cell::Bytes(vec![0xff, 0, 10])
        );
        assert_eq!(
            cell(Some(""), "varchar").unwrap(),
            Cell::Text(String::new())
        );
        assert!(cell(Some("x"), "bigint").is_err());
        assert!(cell(Some("f"), "varbinary").is_err());
    }
}
