//! The search function's handler on API Gateway (HTTP API, payload 2.0) events kept in
//! `fixtures/`: the event is decoded by `lambda_http` exactly as in Lambda, then answered by the
//! router the function builds at cold start. Nothing here reaches Athena: these are the answers
//! given before any statement runs (auth, bad requests, the UI, CORS).

use http_body_util::BodyExt;
use lambda_http::Body;
use minerva_lambda::config::SearchSettings;
use tower::ServiceExt;

const TOKEN: &str = "fixture-token-0123456789abcdef";

fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text.replace("REPLACE_TOKEN", TOKEN)).unwrap()
}

/// The fixture event with its method, path, body and headers changed as asked.
fn event(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    headers: &[(&str, Option<&str>)],
) -> String {
    let mut event = fixture(base);
    event["rawPath"] = path.into();
    event["requestContext"]["http"]["method"] = method.into();
    event["requestContext"]["http"]["path"] = path.into();
    event["body"] = body.map_or(serde_json::Value::Null, Into::into);
    for (name, value) in headers {
        match value {
            Some(value) => event["headers"][*name] = (*value).into(),
            None => {
                event["headers"].as_object_mut().unwrap().remove(*name);
            }
        }
    }
    event.to_string()
}

async fn router() -> axum::Router {
    let vars = [
        ("MINERVA_ATHENA_WORKGROUP", "minerva"),
        ("MINERVA_ATHENA_DATABASE", "minerva"),
        ("MINERVA_API_TOKEN", TOKEN),
    ];
    let settings = SearchSettings::try_from_vars(&vars).unwrap();
    minerva_lambda::search::build_router(&settings)
        .await
        .unwrap()
}

struct Answer {
    status: u16,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

async fn answer(event_json: &str) -> Answer {
    let request = lambda_http::request::from_str(event_json).expect("an API Gateway v2 event");
    let request = request.map(|body| match body {
        Body::Empty => axum::body::Body::empty(),
        Body::Text(text) => axum::body::Body::from(text),
        Body::Binary(bytes) => axum::body::Body::from(bytes),
        _ => axum::body::Body::empty(),
    });
    let response = router().await.oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[tokio::test]
async fn the_health_check_answers_without_a_token() {
    let text = serde_json::to_string(&fixture("apigw-v2-healthz.json")).unwrap();
    let answer = answer(&text).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
}

#[tokio::test]
async fn a_search_without_the_right_token_is_refused_with_json() {
    let body = fixture("apigw-v2-search.json")["body"]
        .as_str()
        .unwrap()
        .to_owned();
    for authorization in [
        None,
        Some("Bearer wrong-token"),
        Some(TOKEN),
        Some("Basic eDp5"),
    ] {
        let event = event(
            "apigw-v2-search.json",
            "POST",
            "/api/v1/search",
            Some(&body),
            &[("authorization", authorization)],
        );
        let answer = answer(&event).await;
        assert_eq!(answer.status, 401, "{authorization:?}: {}", answer.body);
        assert_eq!(
            answer.json()["error"]["code"],
            "unauthorized",
            "{}",
            answer.body
        );
        assert!(
            !answer.body.contains(TOKEN),
            "the token is never echoed: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn bad_requests_get_a_4xx_with_a_json_error_before_athena_is_called() {
    let range = r#""start":"2024-01-01T00:00:00Z","end":"2024-01-02T00:00:00Z""#;
    let cases = [
        format!(r#"{{"query":"(((",{range}}}"#),
        format!(r#"{{"query":"",{range}}}"#),
        r#"{"query":"alice","start":"yesterday","end":"2024-01-02T00:00:00Z"}"#.to_owned(),
        r#"{"query":"alice"}"#.to_owned(),
        "not json".to_owned(),
        // longer than MINERVA_MAX_RANGE_DAYS (31 by default)
        r#"{"query":"alice","start":"2024-01-01T00:00:00Z","end":"2025-01-01T00:00:00Z"}"#
            .to_owned(),
    ];
    for body in cases {
        let event = event(
            "apigw-v2-search.json",
            "POST",
            "/api/v1/search",
            Some(&body),
            &[],
        );
        let answer = answer(&event).await;
        assert!(
            (400..500).contains(&answer.status),
            "{body}: {} {}",
            answer.status,
            answer.body
        );
        let error = &answer.json()["error"];
        assert!(
            error["code"].is_string()
                && error["code"] != "unauthorized"
                && error["message"].is_string(),
            "{body}: {}",
            answer.body
        );
    }
}

#[tokio::test]
async fn the_ui_is_served_and_cors_stays_closed() {
    let event = event("apigw-v2-healthz.json", "GET", "/", None, &[]);
    let answer = answer(&event).await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.body.to_lowercase().contains("<html"),
        "{}",
        answer.body
    );

    let preflight = event_with_origin();
    let answer = self::answer(&preflight).await;
    assert!(
        !answer.headers.contains_key("access-control-allow-origin"),
        "a foreign origin gets no CORS grant: {:?}",
        answer.headers
    );
}

fn event_with_origin() -> String {
    event(
        "apigw-v2-search.json",
        "OPTIONS",
        "/api/v1/search",
        None,
        &[
            ("origin", Some("https://evil.example")),
            ("access-control-request-method", Some("POST")),
            ("authorization", None),
        ],
    )
}
