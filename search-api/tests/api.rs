//! The router in-process over a real index: every endpoint, its errors and its limits.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use minerva_indexer::{IndexerConfig, Progress, index_inputs, list_inputs};
use minerva_search::{EmbeddedBackend, EmbeddedLimits};
use minerva_search_api::{ApiConfig, ApiToken, AppState, router};
use minerva_store::{DataStore, Location};
use serde_json::{Value, json};
use tower::ServiceExt;

const TOKEN: &str = "test-token-0123456789";

/// 60 sshd lines with 10.0.0.1 (one a minute), 5 with the near-twin 10.0.0.100, and 10
/// CloudTrail-like JSON records by alice from 10.0.0.1, all on 2024-01-01 between 00:00 and 01:00.
fn write_logs(dir: &std::path::Path) {
    let mut ssh = String::new();
    for minute in 0..60 {
        ssh.push_str(&format!(
            "2024-01-01T00:{minute:02}:00Z host sshd[1]: Failed password for root from 10.0.0.1 port 22\n"
        ));
    }
    for minute in 0..5 {
        ssh.push_str(&format!(
            "2024-01-01T00:{minute:02}:30Z host sshd[1]: Accepted password for bob from 10.0.0.100 port 22\n"
        ));
    }
    std::fs::write(dir.join("sshd.log"), ssh).unwrap();
    let mut trail = String::new();
    for i in 0..10 {
        let record = json!({
            "eventTime": format!("2024-01-01T00:{:02}:15Z", i * 5),
            "userIdentity": {"userName": "alice", "type": "IAMUser"},
            "sourceIPAddress": "10.0.0.1",
            "note": "=HYPERLINK(\"x\"), <script>alert(1)</script>",
        });
        trail.push_str(&record.to_string());
        trail.push('\n');
    }
    std::fs::write(dir.join("cloudtrail.jsonl"), trail).unwrap();
}

struct Fixture {
    _dir: tempfile::TempDir,
    app: Router,
}

async fn fixture(token: Option<&str>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&logs).unwrap();
    write_logs(&logs);
    let store = DataStore::open(&Location::Local(data.clone())).unwrap();
    let config = IndexerConfig::default();
    let inputs = list_inputs(&[logs.display().to_string()], &config, None)
        .await
        .unwrap();
    index_inputs(&store, inputs, &config, Arc::new(Progress::default()))
        .await
        .unwrap();
    let state = AppState {
        backend: Arc::new(EmbeddedBackend::new(store, EmbeddedLimits::default()).unwrap()),
        config: Arc::new(ApiConfig {
            token: token.map(|t| ApiToken::new(t).unwrap()),
            ..ApiConfig::default()
        }),
    };
    Fixture {
        _dir: dir,
        app: router(state),
    }
}

async fn call(
    app: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, headers, body)
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Value) {
    let (status, _, body) = call(app, Request::get(uri).body(Body::empty()).unwrap()).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn post(app: &Router, body: Value) -> (StatusCode, axum::http::HeaderMap, Value) {
    let request = Request::post("/api/v1/search")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, headers, body) = call(app, request).await;
    (
        status,
        headers,
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

fn search(query: &str) -> Value {
    json!({"query": query, "start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"})
}

/// Submits and waits until the search is final.
async fn run(app: &Router, body: Value) -> (String, Value) {
    let (status, _, created) = post(app, body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    for _ in 0..600 {
        let (status, view) = get(app, &format!("/api/v1/search/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        if !matches!(view["state"].as_str(), Some("queued" | "running")) {
            return (id, view);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("search {id} did not finish");
}

fn assert_error(status: StatusCode, body: &Value, want: StatusCode, code: &str) {
    assert_eq!(status, want, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_runs_pages_buckets_and_exports() {
    let f = fixture(None).await;
    let (id, view) = run(&f.app, search("10.0.0.1")).await;
    assert_eq!(view["state"], "succeeded", "{view}");
    // 60 sshd lines + 10 JSON records; the 10.0.0.100 twins must not match.
    assert_eq!(view["total"], 70);
    assert_eq!(view["tag_counts"]["sshd"], 60);
    assert_eq!(view["tag_counts"]["cloudtrail"], 10);
    assert_eq!(view["terms"], json!(["10.0.0.1"]));
    assert!(view["bytes_scanned"].as_u64().unwrap() > 0);
    assert!(view["cost_usd"].as_f64().unwrap() > 0.0);

    // Pages are newest first, disjoint, and carry the matched terms.
    let (status, first) = get(&f.app, &format!("/api/v1/search/{id}/logs?limit=30")).await;
    assert_eq!(status, StatusCode::OK);
    let (_, second) = get(
        &f.app,
        &format!("/api/v1/search/{id}/logs?offset=30&limit=30"),
    )
    .await;
    let (_, third) = get(
        &f.app,
        &format!("/api/v1/search/{id}/logs?offset=60&limit=30"),
    )
    .await;
    let mut all: Vec<Value> = Vec::new();
    for page in [&first, &second, &third] {
        assert_eq!(page["total"], 70);
        all.extend(page["hits"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(all.len(), 70);
    let times: Vec<&str> = all
        .iter()
        .map(|h| h["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let mut keys: Vec<(String, i64)> = all
        .iter()
        .map(|h| {
            (
                h["object_id"].as_str().unwrap().to_owned(),
                h["seq"].as_i64().unwrap(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 70, "no hit twice across pages");
    assert!(all.iter().all(|h| h["matched"] == json!(["10.0.0.1"])));
    assert!(
        all.iter()
            .all(|h| h["message"].as_str().unwrap().contains("10.0.0.1"))
    );

    // Tag filter.
    let (_, only) = get(
        &f.app,
        &format!("/api/v1/search/{id}/logs?tag=cloudtrail&limit=100"),
    )
    .await;
    assert_eq!(only["total"], 10);
    assert!(
        only["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["tag"] == "cloudtrail")
    );

    // Timeline: every hit is in exactly one bucket; all in the first hour of the day.
    let (status, timeline) = get(&f.app, &format!("/api/v1/search/{id}/timeline?buckets=24")).await;
    assert_eq!(status, StatusCode::OK);
    let buckets = timeline["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 24);
    assert_eq!(timeline["bucket_seconds"], 3600.0);
    let count = |b: &Value| {
        b["counts"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(count(&buckets[0]), 70);
    assert_eq!(buckets.iter().map(count).sum::<u64>(), 70);

    // Export: JSON lines and CSV with every hit.
    let (status, headers, body) = call(
        &f.app,
        Request::get(format!("/api/v1/search/{id}/export?format=jsonl"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/x-ndjson");
    let lines: Vec<Value> = body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 70);
    let (_, _, csv) = call(
        &f.app,
        Request::get(format!("/api/v1/search/{id}/export?format=csv"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("timestamp,tag,source,seq,object_id,message\r\n"));
    assert_eq!(csv.matches("\r\n").count(), 71);
    // The JSON records' quotes are doubled; nothing starts a cell with a formula.
    assert!(csv.contains("\"\"userName\"\":\"\"alice\"\""));

    // Cancel/forget: the id is gone afterwards.
    let (status, _, _) = call(
        &f.app,
        Request::delete(format!("/api/v1/search/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = get(&f.app, &format!("/api/v1/search/{id}")).await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_queries_phrases_and_the_field_census() {
    let f = fixture(None).await;
    let (_, view) = run(&f.app, search("userIdentity.userName=alice")).await;
    assert_eq!(view["total"], 10);
    let (_, view) = run(&f.app, search("\"failed password\" -10.0.0.1")).await;
    assert_eq!(view["total"], 0);
    let (_, view) = run(&f.app, search("password -root")).await;
    assert_eq!(view["total"], 5, "only bob's accepted logins");
    // CIDR blocks: 10.0.0.0/30 holds 10.0.0.1 but not its twin 10.0.0.100; each hit reports
    // the address it matched, and the block itself is no highlight term.
    let (id, view) = run(&f.app, search("10.0.0.0/30")).await;
    assert_eq!(view["total"], 70, "{view}");
    assert_eq!(view["terms"], json!([]));
    let (_, page) = get(&f.app, &format!("/api/v1/search/{id}/logs?limit=5")).await;
    let hits = page["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 5);
    assert!(
        hits.iter().all(|h| h["matched"] == json!(["10.0.0.1"])),
        "{page}"
    );
    let (_, view) = run(&f.app, search("10.0.0.0/24")).await;
    assert_eq!(view["total"], 75);
    let (_, view) = run(&f.app, search("sourceIPAddress=10.0.0.0/8")).await;
    assert_eq!(view["total"], 10);
    let (status, _, body) = post(&f.app, search("10.0.0.0/33")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_query");
    let (status, fields) = get(
        &f.app,
        "/api/v1/fields?start=2024-01-01T00:00:00Z&end=2024-01-02T00:00:00Z",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = fields["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"userIdentity.userName"), "{names:?}");
    assert!(names.contains(&"sourceIPAddress"));
    assert!(!names.contains(&""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_json_errors() {
    let f = fixture(None).await;
    let (status, _, body) = post(&f.app, search("(unclosed")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_query");
    let (status, _, body) = post(
        &f.app,
        json!({"query": "x", "start": "yesterday", "end": "2024-01-02T00:00:00Z"}),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    assert!(body["error"]["message"].as_str().unwrap().contains("start"));
    let (status, _, body) = post(
        &f.app,
        json!({"query": "x", "start": "2024-01-02T00:00:00Z", "end": "2024-01-01T00:00:00Z"}),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, _, body) = post(
        &f.app,
        json!({"query": "x", "start": "1800-01-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"}),
    )
    .await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, _, body) = post(&f.app, json!({"query": "x", "start": 1})).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, _, body) = post(&f.app, search(&"a ".repeat(3000))).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_query");
    let (status, _, body) = post(&f.app, search("-only")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_query");
    let big = json!({"query": "x".repeat(100_000), "start": "", "end": ""});
    let (status, _, body) = post(&f.app, big).await;
    assert!(
        status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::BAD_REQUEST,
        "{status}"
    );
    assert!(body["error"]["code"].is_string(), "{body}");
    let request = Request::post("/api/v1/search")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, _, body) = call(&f.app, request).await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");

    let (status, body) = get(&f.app, "/api/v1/search/nope").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (status, body) = get(&f.app, "/api/v1/nothing-here").await;
    assert_error(status, &body, StatusCode::NOT_FOUND, "not_found");
    let (id, _) = run(&f.app, search("10.0.0.1")).await;
    for bad in ["limit=0", "limit=5000", "offset=-1", "limit=ten"] {
        let (status, body) = get(&f.app, &format!("/api/v1/search/{id}/logs?{bad}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    }
    for bad in ["buckets=0", "buckets=100000"] {
        let (status, body) = get(&f.app, &format!("/api/v1/search/{id}/timeline?{bad}")).await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    }
    let (status, body) = get(&f.app, &format!("/api/v1/search/{id}/export?format=xml")).await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
    let (status, body) = get(&f.app, "/api/v1/fields?start=2024-01-01T00:00:00Z").await;
    assert_error(status, &body, StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_guards_the_api_but_not_health_or_the_page() {
    let f = fixture(Some(TOKEN)).await;
    let (status, headers, body) = call(
        &f.app,
        Request::get("/api/v1/search/x")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_error(status, &body, StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    let wrong = Request::get("/api/v1/search/x")
        .header(header::AUTHORIZATION, "Bearer test-token-0123456780")
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&f.app, wrong).await.0, StatusCode::UNAUTHORIZED);
    let right = Request::get("/api/v1/search/x")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(&f.app, right).await.0, StatusCode::NOT_FOUND);
    let (status, body) = get(&f.app, "/healthz").await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let (status, headers, page) =
        call(&f.app, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(String::from_utf8(page).unwrap().contains("/static/app.js"));
    let (status, _, _) = call(
        &f.app,
        Request::get("/static/..%2FCargo.toml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_lists_every_route() {
    let f = fixture(None).await;
    let (status, doc) = get(&f.app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/search", "post"),
        ("/search/{id}", "get"),
        ("/search/{id}", "delete"),
        ("/search/{id}/logs", "get"),
        ("/search/{id}/timeline", "get"),
        ("/search/{id}/export", "get"),
        ("/fields", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert!(
        doc["security"].is_null(),
        "no token, no security requirement"
    );
    let with_token = fixture(Some(TOKEN)).await;
    let request = Request::get("/api/v1/openapi.json")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = call(&with_token.app, request).await;
    assert_eq!(status, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert_eq!(doc["security"][0]["bearer"], json!([]));
}
