use super::*;

fn fixture_bodies(name: &str) -> Vec<(String, String)> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    value["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["messageId"].as_str().unwrap().to_owned(),
                r["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn body_of(name: &str, id: &str) -> String {
    fixture_bodies(name)
        .into_iter()
        .find(|(m, _)| m == id)
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("{id} not in {name}"))
}

#[test]
fn moto_sns_envelopes_carry_a_test_event_then_an_encoded_key() {
    let bodies = fixture_bodies("sqs-sns-s3-moto.json");
    assert_eq!(
        parse_body(&bodies[0].1).unwrap(),
        Body::Skip("s3:TestEvent".into())
    );
    let Body::Objects(objects) = parse_body(&bodies[1].1).unwrap() else {
        panic!("expected objects");
    };
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].bucket, "source-logs");
    // moto encodes `/` and `=` too, and a space as `+`; a real `+` is `%2B`.
    assert_eq!(objects[0].key, "app/dt=2024/a b+c ü.log");
    assert_eq!(
        objects[0].key_as_sent,
        "app%2Fdt%3D2024%2Fa+b%2Bc+%C3%BC.log"
    );
    assert_eq!(objects[0].size, Some(17));
    assert_eq!(objects[0].event, "ObjectCreated:Put");
}

#[test]
fn a_raw_s3_event_keeps_created_objects_and_drops_removals() {
    let Body::Objects(objects) = parse_body(&body_of("sqs-mixed.json", "raw-s3")).unwrap() else {
        panic!("expected objects");
    };
    assert_eq!(objects.len(), 1, "the ObjectRemoved record is not indexed");
    assert_eq!(
        objects[0].key,
        "cloudtrail/2026/11/30/trail file(1).json.gz"
    );
    assert_eq!(objects[0].size, Some(1024));
    assert_eq!(
        parse_body(&body_of("sqs-mixed.json", "removed")).unwrap(),
        Body::Skip("event \"ObjectRemoved:Delete\"".into())
    );
}

#[test]
fn eventbridge_keys_are_tried_as_sent_first() {
    let Body::Objects(objects) = parse_body(&body_of("sqs-mixed.json", "eventbridge")).unwrap()
    else {
        panic!("expected objects");
    };
    assert_eq!(objects[0].key, "vpc/flow log ü.txt");
    assert_eq!(objects[0].event, "Object Created");
    let deleted = r#"{"source":"aws.s3","detail-type":"Object Deleted","detail":{}}"#;
    assert!(matches!(parse_body(deleted).unwrap(), Body::Skip(_)));
    let broken = r#"{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{}}}"#;
    assert!(matches!(parse_body(broken), Err(BodyError::Unknown(_))));
}

#[test]
fn bodies_we_cannot_read_are_errors_that_name_no_content() {
    assert!(matches!(
        parse_body(&body_of("sqs-mixed.json", "not-json")),
        Err(BodyError::NotJson(_))
    ));
    assert!(matches!(
        parse_body(&body_of("sqs-mixed.json", "sns-not-json")),
        Err(BodyError::NotJson(_))
    ));
    let unknown = parse_body(&body_of("sqs-mixed.json", "unknown-json")).unwrap_err();
    let text = unknown.to_string();
    assert!(text.contains("hello"), "{text}");
    assert!(!text.contains("world"), "values are not logged: {text}");
    assert!(matches!(parse_body("[1,2]"), Err(BodyError::Unknown(_))));
    assert!(matches!(parse_body("42"), Err(BodyError::Unknown(_))));
    assert!(matches!(
        parse_body(r#"{"Records":[{"eventName":"ObjectCreated:Put"}]}"#),
        Err(BodyError::Unknown(_))
    ));
    assert!(matches!(
        parse_body(r#"{"Records":"nope"}"#),
        Err(BodyError::Unknown(_))
    ));
}

#[test]
fn an_sns_envelope_is_opened_once() {
    let inner = r#"{"Type":"Notification","Message":"{\"Event\":\"s3:TestEvent\"}"}"#;
    let outer = serde_json::json!({"Type": "Notification", "Message": inner}).to_string();
    assert!(matches!(parse_body(&outer), Err(BodyError::Unknown(_))));
}

#[test]
fn keys_decode_like_s3_notifications() {
    assert_eq!(decode_key("a+b%2Bc"), "a b+c");
    assert_eq!(decode_key("%E6%97%A5%E6%9C%AC.log"), "日本.log");
    assert_eq!(decode_key("100%"), "100%");
    assert_eq!(decode_key("%zz%4"), "%zz%4");
    assert_eq!(decode_key("%FF"), "\u{FFFD}");
    assert_eq!(decode_key(""), "");
}
