//! What an SQS message body may carry, parsed tolerantly: an S3 event notification (raw, or
//! inside an SNS envelope), an EventBridge "Object Created" event, or `s3:TestEvent`.
//!
//! Hand-written structs with every field optional: moto's S3 records lack `userIdentity` and
//! `requestParameters`, which `aws_lambda_events`' structs require, and a body we cannot read
//! must become a clear per-message error, not a failed batch.

use serde::Deserialize;
use serde_json::Value;

/// An object named by an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// Bucket name.
    pub bucket: String,
    /// The key, decoded when the event encodes it.
    pub key: String,
    /// The key exactly as the event wrote it: tried when `key` is not found (EventBridge
    /// events do not encode keys the way S3 notifications do).
    pub key_as_sent: String,
    /// Size in bytes, when the event says.
    pub size: Option<u64>,
    /// The event name (`ObjectCreated:Put`, `Object Created`).
    pub event: String,
}

/// What one message body asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Objects to index (one notification may carry several records).
    Objects(Vec<ObjectRef>),
    /// A message to acknowledge and skip, with the reason (`s3:TestEvent`, object removed…).
    Skip(String),
}

/// Why a body cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Not JSON at all.
    #[error("message body is not JSON: {0}")]
    NotJson(String),
    /// JSON, but of no shape we know.
    #[error("message body is not an S3, SNS or EventBridge event: {0}")]
    Unknown(String),
}

#[derive(Deserialize)]
struct Records {
    #[serde(rename = "Records")]
    records: Vec<S3Record>,
}

#[derive(Deserialize)]
struct S3Record {
    #[serde(rename = "eventSource", default)]
    event_source: Option<String>,
    #[serde(rename = "eventName", default)]
    event_name: Option<String>,
    s3: Option<S3Entity>,
}

#[derive(Deserialize)]
struct S3Entity {
    bucket: Option<Named>,
    object: Option<S3Object>,
}

#[derive(Deserialize)]
struct Named {
    name: Option<String>,
}

#[derive(Deserialize)]
struct S3Object {
    key: Option<String>,
    size: Option<u64>,
}

/// Parses one SQS message body.
pub fn parse_body(body: &str) -> Result<Body, BodyError> {
    let value: Value = serde_json::from_str(body).map_err(|e| BodyError::NotJson(e.to_string()))?;
    parse_value(&value, 0)
}

fn parse_value(value: &Value, depth: u8) -> Result<Body, BodyError> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    // SNS envelope: the S3 event is a JSON string in "Message".
    if text(value, "Type").as_deref() == Some("Notification")
        && let Some(message) = text(value, "Message")
        && depth == 0
    {
        let inner: Value = serde_json::from_str(&message)
            .map_err(|e| BodyError::NotJson(format!("SNS Message: {e}")))?;
        return parse_value(&inner, depth + 1);
    }
    if text(value, "Event").as_deref() == Some("s3:TestEvent") {
        return Ok(Body::Skip("s3:TestEvent".into()));
    }
    if value.get("Records").is_some() {
        return s3_records(value);
    }
    if text(value, "source").as_deref() == Some("aws.s3") && value.get("detail").is_some() {
        return eventbridge(value);
    }
    Err(BodyError::Unknown(shape(value)))
}

fn s3_records(value: &Value) -> Result<Body, BodyError> {
    let parsed: Records = serde_json::from_value(value.clone())
        .map_err(|e| BodyError::Unknown(format!("S3 event records: {e}")))?;
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    for record in parsed.records {
        let name = record.event_name.unwrap_or_default();
        if record
            .event_source
            .as_deref()
            .is_some_and(|s| s != "aws:s3")
        {
            skipped.push(format!("event source {:?}", record.event_source));
            continue;
        }
        if !name.starts_with("ObjectCreated:") {
            skipped.push(format!("event {name:?}"));
            continue;
        }
        let entity = record
            .s3
            .ok_or_else(|| BodyError::Unknown("S3 record without \"s3\"".into()))?;
        let bucket = entity.bucket.and_then(|b| b.name);
        let object = entity.object;
        let (Some(bucket), Some(object)) = (bucket, object) else {
            return Err(BodyError::Unknown(
                "S3 record without bucket or object".into(),
            ));
        };
        let Some(sent) = object.key else {
            return Err(BodyError::Unknown("S3 record without object key".into()));
        };
        objects.push(ObjectRef {
            bucket,
            key: decode_key(&sent),
            key_as_sent: sent,
            size: object.size,
            event: name,
        });
    }
    if objects.is_empty() {
        return Ok(Body::Skip(if skipped.is_empty() {
            "no records".into()
        } else {
            skipped.join(", ")
        }));
    }
    Ok(Body::Objects(objects))
}

fn eventbridge(value: &Value) -> Result<Body, BodyError> {
    let kind = value
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind != "Object Created" {
        return Ok(Body::Skip(format!("EventBridge {kind:?}")));
    }
    let detail = &value["detail"];
    let bucket = detail["bucket"]["name"].as_str();
    let key = detail["object"]["key"].as_str();
    let (Some(bucket), Some(key)) = (bucket, key) else {
        return Err(BodyError::Unknown(
            "EventBridge event without bucket or key".into(),
        ));
    };
    Ok(Body::Objects(vec![ObjectRef {
        bucket: bucket.to_owned(),
        // Tried as sent first (see `key_as_sent`), decoded if that is not found.
        key: key.to_owned(),
        key_as_sent: decode_key(key),
        size: detail["object"]["size"].as_u64(),
        event: kind.to_owned(),
    }]))
}

/// A short description of an unknown JSON value for the log (its keys, never its content).
fn shape(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(8).collect();
            format!("an object with keys {keys:?}")
        }
        Value::Array(_) => "an array".into(),
        _ => "a scalar".into(),
    }
}

/// Decodes a key as S3 notifications encode it: `+` is a space, `%XX` a byte. Invalid escapes
/// are kept as they are; bytes that do not form UTF-8 are replaced.
pub fn decode_key(key: &str) -> String {
    let bytes = key.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (b, None) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests;
